namespace Mnigs.Networks.Yggdrasil;

/// <summary>yggdrasil's admin socket could not answer, or refused; the message says why in an operator's words.</summary>
public sealed class YggdrasilAdminException : IOException
{
    public YggdrasilAdminException(string message)
        : base(message)
    {
    }

    public YggdrasilAdminException(string message, Exception inner)
        : base(message, inner)
    {
    }

    /// <summary>yggdrasil answered that it does not know the request (another version: getDHT is 0.4's, getTree 0.5's).</summary>
    public bool UnknownRequest { get; init; }
}

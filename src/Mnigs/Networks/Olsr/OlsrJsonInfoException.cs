namespace Mnigs.Networks.Olsr;

/// <summary>olsrd's jsoninfo plugin could not answer, refused, or sent what Mnigs cannot read; the message says why in an operator's words.</summary>
public sealed class OlsrJsonInfoException : IOException
{
    public OlsrJsonInfoException(string message)
        : base(message)
    {
    }

    public OlsrJsonInfoException(string message, Exception inner)
        : base(message, inner)
    {
    }
}

namespace Mnigs.Networks.BatmanAdv;

/// <summary>batman-adv could not be read through batctl or ip; the message says why in an operator's words.</summary>
public sealed class BatctlException : IOException
{
    public BatctlException(string message)
        : base(message)
    {
    }

    public BatctlException(string message, Exception inner)
        : base(message, inner)
    {
    }
}

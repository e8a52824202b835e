namespace Mnigs.Networks.Babel;

/// <summary>babeld's local interface could not answer; the message says why in an operator's words.</summary>
public sealed class BabelLocalException : IOException
{
    public BabelLocalException(string message)
        : base(message)
    {
    }

    public BabelLocalException(string message, Exception inner)
        : base(message, inner)
    {
    }
}

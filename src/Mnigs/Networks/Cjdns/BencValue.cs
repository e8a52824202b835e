using System.Text;

namespace Mnigs.Networks.Cjdns;

/// <summary>
/// One bencoded value as cjdns' admin interface sends and takes them: a byte string, an integer, a list
/// or a dictionary (<see cref="BencString"/>, <see cref="BencInteger"/>, <see cref="BencList"/>,
/// <see cref="BencDictionary"/>). Text and numbers convert implicitly, so requests read like their bencoding.
/// </summary>
public abstract class BencValue
{
    private protected BencValue()
    {
    }

    public static implicit operator BencValue(string text) => new BencString(Encoding.UTF8.GetBytes(text));

    public static implicit operator BencValue(long number) => new BencInteger(number);

    /// <summary>The value as JSON-like text for messages and logs: strings quoted, non-UTF-8 bytes as hex.</summary>
    public abstract override string ToString();
}

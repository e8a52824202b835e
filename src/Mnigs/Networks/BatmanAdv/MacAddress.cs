using System.Globalization;

namespace Mnigs.Networks.BatmanAdv;

/// <summary>
/// An Ethernet (EUI-48) address, as batctl (<c>%02x:%02x:...</c>) and iproute2 (<c>lladdr</c>) print it.
/// batman-adv names nodes, neighbours and clients by these, never by IP address.
/// </summary>
public readonly record struct MacAddress(ulong Value)
{
    /// <summary>Six two-digit hex bytes joined by colons, nothing else.</summary>
    public static bool TryParse(ReadOnlySpan<char> text, out MacAddress mac)
    {
        mac = default;
        if (text.Length != 17)
            return false;
        ulong value = 0;
        for (var i = 0; i < 6; i++)
        {
            var at = i * 3;
            if (i > 0 && text[at - 1] != ':')
                return false;
            if (!byte.TryParse(text.Slice(at, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var part))
                return false;
            value = value << 8 | part;
        }
        mac = new MacAddress(value);
        return true;
    }

    public static MacAddress Parse(string text) =>
        TryParse(text, out var mac) ? mac : throw new FormatException($"'{text}' is not a MAC address");

    public override string ToString()
    {
        Span<char> text = stackalloc char[17];
        for (var i = 0; i < 6; i++)
        {
            var part = (byte)(Value >> (40 - 8 * i));
            if (i > 0)
                text[i * 3 - 1] = ':';
            part.TryFormat(text[(i * 3)..], out _, "x2", CultureInfo.InvariantCulture);
        }
        return new string(text);
    }
}

using System.Collections.Immutable;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Mnigs.Core.Config;

/// <summary>
/// The kinds of value mnigs.conf holds. Addresses are read strictly (four decimal parts for IPv4,
/// no zone for IPv6), unlike <see cref="IPAddress.TryParse(string, out IPAddress)"/>, which takes
/// "10" for 0.0.0.10: a mistyped address must be an error, not a different address.
/// </summary>
internal static class ConfigValueKinds
{
    public static ConfigValueKind<int> Whole(int min, int max) =>
        new($"a whole number from {min} to {max}", (string text, out int value, out string? hint) =>
        {
            hint = null;
            return TryParseWhole(text, out value) && value >= min && value <= max;
        });

    public static ConfigValueKind<int> RoutingTable { get; } =
        new($"a whole number from 1 to {int.MaxValue} other than 253, 254 and 255",
            (string text, out int value, out string? hint) =>
            {
                hint = null;
                if (!TryParseWhole(text, out value) || value < 1)
                    return false;
                if (value is >= 253 and <= 255)
                {
                    hint = "253, 254 and 255 are the kernel's default, main and local tables";
                    return false;
                }
                return true;
            });

    public static ConfigValueKind<int> Mtu { get; } =
        new("0 (automatic) or a whole number from 1280 to 9000", (string text, out int value, out string? hint) =>
        {
            hint = null;
            return TryParseWhole(text, out value) && (value == 0 || value is >= 1280 and <= 9000);
        });

    public static ConfigValueKind<bool> Bool { get; } =
        new("yes or no (or true/false, on/off, 1/0)", (string text, out bool value, out string? hint) =>
        {
            hint = null;
            value = false;
            switch (text.ToLowerInvariant())
            {
                case "yes" or "true" or "on" or "1":
                    value = true;
                    return true;
                case "no" or "false" or "off" or "0":
                    return true;
                default:
                    return false;
            }
        });

    public static ConfigValueKind<T> Choice<T>(params (string Text, T Value)[] choices) =>
        new($"one of {string.Join(", ", choices.Select(c => c.Text))}", (string text, out T value, out string? hint) =>
        {
            hint = null;
            foreach (var choice in choices)
            {
                if (string.Equals(choice.Text, text, StringComparison.OrdinalIgnoreCase))
                {
                    value = choice.Value;
                    return true;
                }
            }
            value = default!;
            return false;
        });

    public static ConfigValueKind<string> Name { get; } =
        new("a name of 1 to 64 characters", (string text, out string value, out string? hint) =>
        {
            hint = null;
            value = text;
            return text.Length is >= 1 and <= 64 && !text.Any(char.IsControl);
        });

    public static ConfigValueKind<string> InterfacePrefix { get; } =
        new("1 to 4 lowercase letters or digits, starting with a letter", (string text, out string value, out string? hint) =>
        {
            hint = null;
            value = text;
            return text.Length is >= 1 and <= 4 && char.IsAsciiLetterLower(text[0])
                && text.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c));
        });

    /// <summary>What Linux accepts (dev_valid_name): at most 15 characters, no '/', ':' or whitespace.</summary>
    public static ConfigValueKind<string> InterfaceName { get; } =
        new("an interface name (at most 15 characters, without spaces, / or :)", (string text, out string value, out string? hint) =>
        {
            hint = null;
            value = text;
            return text.Length is >= 1 and <= 15 && text is not ("." or "..")
                && !text.Any(c => c is '/' or ':' || char.IsWhiteSpace(c) || char.IsControl(c));
        });

    public static ConfigValueKind<string> AbsolutePath(string expected) =>
        new(expected, (string text, out string value, out string? hint) =>
        {
            value = text;
            hint = text.Length > 0 && text[0] != '/' ? "relative paths depend on where the daemon starts" : null;
            return text.StartsWith('/') && !text.Any(char.IsControl);
        });

    public static ConfigValueKind<ImmutableArray<int>> PortList { get; } =
        new("a comma-separated list of ports from 1 to 65535", (string text, out ImmutableArray<int> value, out string? hint) =>
            TryParseList(text, out value, out hint, (string item, out int port, out string? itemHint) =>
            {
                itemHint = null;
                return TryParseWhole(item, out port) && port is >= 1 and <= 65535;
            }));

    public static ConfigValueKind<ImmutableArray<IPNetwork>> NetworkList { get; } =
        new("a comma-separated list of networks such as 192.168.0.0/16 or fd00::/8 (an address alone means just that address)",
            (string text, out ImmutableArray<IPNetwork> value, out string? hint) =>
                TryParseList(text, out value, out hint, (string item, out IPNetwork network, out string? itemHint) =>
                    TryParseNetwork(item, bareAddress: true, out network, out itemHint)));

    public static ConfigValueKind<ImmutableArray<IPAddress>> AddressList { get; } =
        new("a comma-separated list of IP addresses", (string text, out ImmutableArray<IPAddress> value, out string? hint) =>
            TryParseList(text, out value, out hint, (string item, out IPAddress address, out string? itemHint) =>
            {
                itemHint = null;
                return TryParseAddress(item, family: null, out address);
            }));

    public static ConfigValueKind<IPAddress?> Address(AddressFamily? family) =>
        new(family switch
        {
            AddressFamily.InterNetwork => "an IPv4 address",
            AddressFamily.InterNetworkV6 => "an IPv6 address",
            _ => "an IPv4 or IPv6 address",
        }, (string text, out IPAddress? value, out string? hint) =>
        {
            hint = null;
            var ok = TryParseAddress(text, family, out var address);
            value = ok ? address : null;
            return ok;
        });

    /// <summary>A subnet to hand addresses out of: needs room for a gateway and at least one subscriber.</summary>
    public static ConfigValueKind<IPNetwork> Ipv4Subnet { get; } =
        new("an IPv4 network with a prefix of at most /30, such as 10.201.0.0/24",
            (string text, out IPNetwork value, out string? hint) => TryParseSubnet(text, AddressFamily.InterNetwork, 30, out value, out hint));

    public static ConfigValueKind<IPNetwork?> Ipv6Subnet { get; } =
        new("an IPv6 network with a prefix of at most /126, such as fd6d:6e69:6773::/64",
            (string text, out IPNetwork? value, out string? hint) =>
            {
                var ok = TryParseSubnet(text, AddressFamily.InterNetworkV6, 126, out var network, out hint);
                value = ok ? network : null;
                return ok;
            });

    /// <summary>A price per hour in the gateway's currency unit, as micro-units (see Directory.SuiteOffer).</summary>
    public static ConfigValueKind<long> Price { get; } =
        new("a price per hour from 0 to 1000000 with at most six decimals, such as 0 or 0.25", (string text, out long value, out string? hint) =>
        {
            hint = null;
            value = 0;
            if (!decimal.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var price) || price > 1_000_000)
                return false;
            var micros = price * 1_000_000;
            if (micros != decimal.Truncate(micros))
            {
                hint = "at most six decimals";
                return false;
            }
            value = (long)micros;
            return true;
        });

    /// <summary>Free text naming things (gateway names, node ids, addresses), comma-separated.</summary>
    public static ConfigValueKind<ImmutableArray<string>> NameList { get; } =
        new("a comma-separated list of gateway names, node ids or mesh addresses", (string text, out ImmutableArray<string> value, out string? hint) =>
            TryParseList(text, out value, out hint, (string item, out string name, out string? itemHint) =>
            {
                itemHint = null;
                name = item;
                return item.Length <= 128 && !item.Any(char.IsControl);
            }));

    private static bool TryParseWhole(string text, out int value) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);

    private static bool TryParseList<T>(string text, out ImmutableArray<T> value, out string? hint, ValueParser<T> parseItem)
    {
        value = [];
        hint = null;
        if (text.Length == 0)
            return false;
        var items = ImmutableArray.CreateBuilder<T>();
        foreach (var raw in text.Split(','))
        {
            var item = raw.Trim();
            if (item.Length == 0)
            {
                hint = "an item of the list is empty";
                return false;
            }
            if (!parseItem(item, out var parsed, out var itemHint))
            {
                hint = itemHint ?? $"\"{item}\" is not one";
                return false;
            }
            items.Add(parsed);
        }
        value = items.ToImmutable();
        return true;
    }

    private static bool TryParseSubnet(string text, AddressFamily family, int maxPrefix, out IPNetwork network, out string? hint)
    {
        if (!TryParseNetwork(text, bareAddress: false, out network, out hint))
            return false;
        if (network.BaseAddress.AddressFamily != family)
        {
            hint = family == AddressFamily.InterNetwork ? "that is an IPv6 network" : "that is an IPv4 network";
            return false;
        }
        if (network.PrefixLength > maxPrefix)
        {
            hint = $"a /{network.PrefixLength} has no room for a gateway and a subscriber";
            return false;
        }
        return true;
    }

    private static bool TryParseNetwork(string text, bool bareAddress, out IPNetwork network, out string? hint)
    {
        network = default;
        hint = null;
        var slash = text.IndexOf('/');
        if (!TryParseAddress(slash < 0 ? text : text[..slash], family: null, out var address))
            return false;
        var bits = address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        var prefix = bits;
        if (slash < 0 && !bareAddress)
        {
            hint = $"add the prefix length, such as {text}/{bits - 8}";
            return false;
        }
        if (slash >= 0)
        {
            var prefixText = text[(slash + 1)..];
            if (prefixText.Length is 0 or > 3 || !TryParseWhole(prefixText, out prefix) || prefix > bits)
            {
                hint = $"the prefix length after / must be from 0 to {bits}";
                return false;
            }
        }
        var bytes = address.GetAddressBytes();
        for (var i = 0; i < bytes.Length; i++)
        {
            var keep = Math.Clamp(prefix - (i * 8), 0, 8);
            bytes[i] &= (byte)(0xFF << (8 - keep));
        }
        var masked = new IPAddress(bytes);
        if (!masked.Equals(address))
        {
            hint = $"{text} has host bits set; did you mean {masked}/{prefix}?";
            return false;
        }
        network = new IPNetwork(address, prefix);
        return true;
    }

    private static bool TryParseAddress(string text, AddressFamily? family, out IPAddress address)
    {
        address = IPAddress.None;
        var isV6 = text.Contains(':');
        if (family is { } wanted && wanted != (isV6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork))
            return false;
        return isV6 ? TryParseIpv6(text, out address) : TryParseIpv4(text, out address);
    }

    private static bool TryParseIpv4(string text, out IPAddress address)
    {
        address = IPAddress.None;
        var parts = text.Split('.');
        if (parts.Length != 4)
            return false;
        var bytes = new byte[4];
        for (var i = 0; i < 4; i++)
        {
            var part = parts[i];
            // No leading zeros: some tools read 010 as octal 8.
            if (part.Length is 0 or > 3 || (part.Length > 1 && part[0] == '0')
                || !TryParseWhole(part, out var number) || number > 255)
                return false;
            bytes[i] = (byte)number;
        }
        address = new IPAddress(bytes);
        return true;
    }

    private static bool TryParseIpv6(string text, out IPAddress address)
    {
        address = IPAddress.None;
        if (!text.All(c => char.IsAsciiHexDigit(c) || c is ':' or '.')
            || !IPAddress.TryParse(text, out var parsed) || parsed.AddressFamily != AddressFamily.InterNetworkV6)
            return false;
        address = parsed;
        return true;
    }
}

namespace Mnigs.Core.Suites;

/// <summary>One network × one tunnel × one payment method, written <c>network-tunnel-payment</c>.</summary>
public readonly record struct Suite(string Network, string Tunnel, string Payment)
{
    public string Id => $"{Network}-{Tunnel}-{Payment}";

    public override string ToString() => Id;

    public static bool TryParse(string? text, out Suite suite)
    {
        suite = default;
        if (string.IsNullOrEmpty(text) || text.Length > 64)
            return false;
        // A network name may itself hold a hyphen (batman-adv); tunnel and payment never do.
        var parts = text.Split('-');
        if (parts.Length < 3 || parts.Any(p => p.Length == 0 || !p.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c))))
            return false;
        suite = new Suite(string.Join('-', parts[..^2]), parts[^2], parts[^1]);
        return true;
    }
}

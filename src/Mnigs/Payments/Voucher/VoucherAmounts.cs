using System.Globalization;

namespace Mnigs.Payments.Voucher;

/// <summary>
/// What a voucher allows, as people write it: times like <c>90m</c>, <c>1h</c>, <c>7d</c> and data like
/// <c>500MB</c>, <c>1GB</c>, <c>2GiB</c> (decimal units are powers of 1000, binary ones of 1024), and back.
/// </summary>
public static class VoucherAmounts
{
    /// <summary>A year: longer is a typo, not a voucher.</summary>
    public static readonly TimeSpan MaxTime = TimeSpan.FromDays(366);

    /// <summary>A petabyte.</summary>
    public const long MaxBytes = 1_000_000_000_000_000;

    private static readonly (string Suffix, long Factor)[] ByteUnits =
    [
        ("KIB", 1L << 10), ("MIB", 1L << 20), ("GIB", 1L << 30), ("TIB", 1L << 40),
        ("KB", 1_000), ("MB", 1_000_000), ("GB", 1_000_000_000), ("TB", 1_000_000_000_000),
        ("K", 1_000), ("M", 1_000_000), ("G", 1_000_000_000), ("T", 1_000_000_000_000), ("B", 1),
    ];

    /// <summary><c>30s</c>, <c>90m</c>, <c>1h</c>, <c>1.5h</c>, <c>7d</c>, <c>2w</c>; null with <paramref name="problem"/> set when it is none of them.</summary>
    public static TimeSpan? ParseTime(string text, out string? problem)
    {
        problem = null;
        var t = text.Trim().ToLowerInvariant();
        var (number, unit) = Split(t);
        var seconds = unit switch
        {
            "s" or "sec" => 1,
            "m" or "min" => 60,
            "h" => 3600,
            "d" => 86400,
            "w" => 7 * 86400,
            _ => 0,
        };
        if (seconds == 0 || !decimal.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) || value <= 0)
        {
            problem = $"'{Shorten(text)}' is not a time such as 30m, 1h or 7d";
            return null;
        }
        var total = value * seconds;
        if (total > (decimal)MaxTime.TotalSeconds)
        {
            problem = $"'{Shorten(text)}' is longer than a year";
            return null;
        }
        return TimeSpan.FromSeconds((double)decimal.Ceiling(total));
    }

    /// <summary><c>500MB</c>, <c>1GB</c>, <c>1.5GB</c>, <c>2GiB</c>, <c>100000B</c>; null with <paramref name="problem"/> set when it is none of them.</summary>
    public static long? ParseBytes(string text, out string? problem)
    {
        problem = null;
        var t = text.Trim().ToUpperInvariant();
        foreach (var (suffix, factor) in ByteUnits)
        {
            if (!t.EndsWith(suffix, StringComparison.Ordinal))
                continue;
            var number = t[..^suffix.Length].Trim();
            if (!decimal.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) || value <= 0)
                break;
            var total = value * factor;
            if (total > MaxBytes)
            {
                problem = $"'{Shorten(text)}' is more than a petabyte";
                return null;
            }
            return (long)decimal.Ceiling(total);
        }
        problem = $"'{Shorten(text)}' is not an amount of data such as 500MB or 1GB";
        return null;
    }

    /// <summary>1 h 30 min, 45 s, 2 d 3 h: the two largest units.</summary>
    public static string Duration(TimeSpan span)
    {
        if (span <= TimeSpan.Zero)
            return "0 s";
        var parts = new List<string>();
        if (span.Days > 0)
            parts.Add($"{span.Days} d");
        if (span.Hours > 0)
            parts.Add($"{span.Hours} h");
        if (span.Minutes > 0)
            parts.Add($"{span.Minutes} min");
        if (span.Seconds > 0 || parts.Count == 0)
            parts.Add($"{Math.Max(span.Seconds, 1)} s");
        return string.Join(" ", parts.Take(2));
    }

    /// <summary>1.5 GB, 812 MB, 20 kB, 300 B (decimal units, as the operator wrote them).</summary>
    public static string Bytes(long bytes)
    {
        string[] units = ["B", "kB", "MB", "GB", "TB", "PB"];
        var value = (double)Math.Max(0, bytes);
        var unit = 0;
        while (value >= 1000 && unit < units.Length - 1)
        {
            value /= 1000;
            unit++;
        }
        var format = unit == 0 || value >= 100 ? "0" : value >= 10 ? "0.#" : "0.##";
        return value.ToString(format, CultureInfo.InvariantCulture) + " " + units[unit];
    }

    private static (string Number, string Unit) Split(string text)
    {
        var i = 0;
        while (i < text.Length && (char.IsAsciiDigit(text[i]) || text[i] == '.'))
            i++;
        return (text[..i], text[i..].Trim());
    }

    private static string Shorten(string text) => text.Length > 24 ? text[..24] + "…" : text;
}

using System.Buffers;

namespace Mnigs.Core.Directory;

/// <summary>Character rules shared by the record's fields.</summary>
internal static class RecordText
{
    public static readonly SearchValues<char> Base64UrlAlphabet =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_");

    public static readonly SearchValues<char> IdentifierCharacters = SearchValues.Create("abcdefghijklmnopqrstuvwxyz0123456789-");

    // IPv4, IPv6 (with a zone), host names, [v6]:port: nothing a terminal or a shell would act on.
    public static readonly SearchValues<char> AddressCharacters =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.:-_%[]/");

    public static bool IsIdentifier(string? s, int maxLength) =>
        !string.IsNullOrEmpty(s) && s.Length <= maxLength && !s.AsSpan().ContainsAnyExcept(IdentifierCharacters);

    /// <summary>
    /// Well-formed UTF-16 with no control characters: a name is printed by the CLI and the web UI,
    /// and a hostile gateway must not be able to send terminal escapes or bidi tricks through it.
    /// </summary>
    public static bool IsDisplayable(string s)
    {
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            if (char.IsHighSurrogate(c))
            {
                if (i + 1 >= s.Length || !char.IsLowSurrogate(s[i + 1]))
                    return false;
                i++;
                continue;
            }
            if (char.IsLowSurrogate(c) || char.IsControl(c) || c is >= '\u202A' and <= '\u202E' or >= '\u2066' and <= '\u2069')
                return false;
        }
        return true;
    }

    /// <summary>A peer's text made safe to quote in an error message or a log line.</summary>
    public static string Shorten(string? s)
    {
        if (s is null)
            return "";
        var cut = s.Length <= 40 ? s : s[..40] + "...";
        return string.Create(cut.Length, cut, (span, text) =>
        {
            for (var i = 0; i < text.Length; i++)
                span[i] = char.IsControl(text[i]) || char.IsSurrogate(text[i]) ? '?' : text[i];
        });
    }
}

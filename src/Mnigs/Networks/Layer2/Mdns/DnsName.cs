using System.Text;

namespace Mnigs.Networks.Layer2.Mdns;

/// <summary>
/// Names in presentation form (RFC 1035 section 5.1): labels joined by '.', a '.' or '\' inside a
/// label written '\.' or '\\'. DNS-SD instance names may hold any UTF-8, dots too (RFC 6763 section 4.3).
/// </summary>
internal static class DnsName
{
    public const int MaxWireLength = 255;
    public const int MaxLabelLength = 63;

    public static bool Equal(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);

    /// <summary>One label as it appears in a name: its '.' and '\' escaped.</summary>
    public static string Escape(string label) => label.Replace("\\", "\\\\", StringComparison.Ordinal).Replace(".", "\\.", StringComparison.Ordinal);

    /// <summary>The labels of <paramref name="name"/>, unescaped, as UTF-8; throws on a name DNS cannot carry (a bug of the caller).</summary>
    public static List<byte[]> Labels(string name)
    {
        var labels = new List<byte[]>();
        var current = new StringBuilder();
        var wire = 1;
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (c == '\\' && i + 1 < name.Length)
                current.Append(name[++i]);
            else if (c == '.')
                Add();
            else
                current.Append(c);
        }
        if (current.Length > 0)
            Add();
        if (wire > MaxWireLength)
            throw new ArgumentException($"DNS name longer than {MaxWireLength} bytes: {name}", nameof(name));
        return labels;

        void Add()
        {
            var bytes = Encoding.UTF8.GetBytes(current.ToString());
            if (bytes.Length is 0 or > MaxLabelLength)
                throw new ArgumentException($"DNS label of {bytes.Length} bytes in {name}", nameof(name));
            labels.Add(bytes);
            wire += bytes.Length + 1;
            current.Clear();
        }
    }

    /// <summary>The longest prefix of <paramref name="text"/> that fits in <paramref name="maxBytes"/> bytes of UTF-8, whole characters only.</summary>
    public static string Truncate(string text, int maxBytes)
    {
        if (Encoding.UTF8.GetByteCount(text) <= maxBytes)
            return text;
        var end = 0;
        var bytes = 0;
        while (end < text.Length)
        {
            var width = char.IsHighSurrogate(text[end]) && end + 1 < text.Length ? 2 : 1;
            var size = Encoding.UTF8.GetByteCount(text.AsSpan(end, width));
            if (bytes + size > maxBytes)
                break;
            bytes += size;
            end += width;
        }
        return text[..end];
    }
}

using System.Buffers;
using System.Globalization;
using System.Text;

namespace Mnigs.Core.Directory;

/// <summary>
/// The few JSON forms a directory record is made of, written byte for byte the same way on every
/// node and every .NET version. <see cref="System.Text.Json.Utf8JsonWriter"/> is not used for the
/// signed bytes because which characters its encoder escapes is an implementation choice that could
/// change under us; here only <c>"</c>, <c>\</c> and control characters are escaped (as RFC 8785
/// does), everything else is raw UTF-8, numbers are plain invariant integers.
/// </summary>
internal sealed class CanonicalJsonWriter
{
    private readonly ArrayBufferWriter<byte> _out = new(512);

    public int Length => _out.WrittenCount;

    public CanonicalJsonWriter Ascii(string text)
    {
        var span = _out.GetSpan(text.Length);
        for (var i = 0; i < text.Length; i++)
            span[i] = (byte)text[i];
        _out.Advance(text.Length);
        return this;
    }

    public CanonicalJsonWriter Bytes(ReadOnlySpan<byte> bytes)
    {
        _out.Write(bytes);
        return this;
    }

    /// <summary>Writes <c>"name":</c>, preceded by a comma unless it is the first property.</summary>
    public CanonicalJsonWriter Name(string name, bool first = false) => Ascii(first ? "\"" : ",\"").Ascii(name).Ascii("\":");

    public CanonicalJsonWriter Number(long value) => Ascii(value.ToString(CultureInfo.InvariantCulture));

    public CanonicalJsonWriter Bool(bool value) => Ascii(value ? "true" : "false");

    public CanonicalJsonWriter String(string value)
    {
        Ascii("\"");
        var start = 0;
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c >= 0x20 && c != '"' && c != '\\')
                continue;
            Utf8(value.AsSpan(start, i - start));
            Ascii(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\b' => "\\b",
                '\t' => "\\t",
                '\n' => "\\n",
                '\f' => "\\f",
                '\r' => "\\r",
                _ => "\\u00" + ((int)c).ToString("x2", CultureInfo.InvariantCulture),
            });
            start = i + 1;
        }
        Utf8(value.AsSpan(start));
        return Ascii("\"");
    }

    public byte[] ToArray() => _out.WrittenSpan.ToArray();

    private void Utf8(ReadOnlySpan<char> chars)
    {
        if (chars.IsEmpty)
            return;
        var span = _out.GetSpan(Encoding.UTF8.GetMaxByteCount(chars.Length));
        _out.Advance(Encoding.UTF8.GetBytes(chars, span));
    }
}

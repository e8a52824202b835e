using System.Text;

namespace Mnigs.Networks.Cjdns;

/// <summary>A bencoded byte string; cjdns puts text (keys, addresses, errors) and binary in the same kind.</summary>
public sealed class BencString(byte[] bytes) : BencValue
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public ReadOnlyMemory<byte> Bytes { get; } = bytes;

    /// <summary>The bytes as UTF-8 text, or null when they are not valid UTF-8.</summary>
    public string? Text
    {
        get
        {
            try
            {
                return StrictUtf8.GetString(Bytes.Span);
            }
            catch (DecoderFallbackException)
            {
                return null;
            }
        }
    }

    public override string ToString() => Text is { } text ? "\"" + text + "\"" : "0x" + Convert.ToHexStringLower(Bytes.Span);
}

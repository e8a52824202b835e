using System.Security.Cryptography;
using System.Text;

namespace Mnigs.Payments.Voucher;

/// <summary>
/// Voucher codes: 12 characters of Crockford's base32 (digits and letters without I, L, O and U), 60
/// random bits, shown as <c>7K2M-9QXD-4F8R</c>. Typed back in any case, with or without dashes or
/// spaces; I and L read as 1 and O as 0, so what a printed sheet cannot make ambiguous is not.
/// </summary>
/// <remarks>
/// 60 bits leave a guesser with one chance in 10^18 per try, and the gateway lets an address try only a
/// few times a minute (<see cref="RedeemThrottle"/>).
/// </remarks>
public static class VoucherCode
{
    public const int Length = 12;
    public const string Alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

    /// <summary>A new random code in its canonical form (no dashes).</summary>
    public static string New()
    {
        Span<byte> bytes = stackalloc byte[8];
        RandomNumberGenerator.Fill(bytes);
        var bits = BitConverter.ToUInt64(bytes);
        var chars = new char[Length];
        for (var i = 0; i < Length; i++)
        {
            chars[i] = Alphabet[(int)(bits & 31)];
            bits >>= 5;
        }
        return new string(chars);
    }

    /// <summary>The canonical form of what someone typed, or null when it cannot be a code.</summary>
    public static string? Normalize(string? typed)
    {
        if (typed is null || typed.Length > 40)
            return null;
        var code = new StringBuilder(Length);
        foreach (var c in typed)
        {
            if (c is '-' or ' ' or '\t')
                continue;
            var upper = char.ToUpperInvariant(c) switch
            {
                'O' => '0',
                'I' or 'L' => '1',
                var other => other,
            };
            if (!Alphabet.Contains(upper, StringComparison.Ordinal))
                return null;
            code.Append(upper);
        }
        return code.Length == Length ? code.ToString() : null;
    }

    /// <summary><c>7K2M-9QXD-4F8R</c>: groups of four, for reading aloud and typing.</summary>
    public static string Format(string code) =>
        code.Length == Length ? $"{code[..4]}-{code[4..8]}-{code[8..]}" : code;
}

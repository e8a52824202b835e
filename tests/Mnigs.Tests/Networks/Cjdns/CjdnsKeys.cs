using Mnigs.Networks.Cjdns;

namespace Mnigs.Tests.Networks.Cjdns;

/// <summary>Made-up cjdns keys for tests that need more nodes than the recording has: random bytes whose address is in fc00::/8.</summary>
internal static class CjdnsKeys
{
    private const string Alphabet = "0123456789bcdfghjklmnpqrstuvwxyz";

    public static IReadOnlyList<string> Make(int count, int seed = 1)
    {
        var random = new Random(seed);
        var keys = new List<string>();
        var bytes = new byte[32];
        while (keys.Count < count)
        {
            random.NextBytes(bytes);
            var key = Encode(bytes) + ".k";
            if (CjdnsAddress.ForKey(key) is not null)
                keys.Add(key);
        }
        return keys;
    }

    /// <summary>cjdns' base32: five bits a character, least significant first.</summary>
    private static string Encode(byte[] bytes)
    {
        var text = new System.Text.StringBuilder();
        int bits = 0, buffer = 0;
        foreach (var b in bytes)
        {
            buffer |= b << bits;
            bits += 8;
            while (bits >= 5)
            {
                text.Append(Alphabet[buffer & 31]);
                buffer >>= 5;
                bits -= 5;
            }
        }
        if (bits > 0)
            text.Append(Alphabet[buffer & 31]);
        return text.ToString();
    }
}

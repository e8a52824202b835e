using System.Buffers;
using System.Buffers.Text;
using System.Globalization;

namespace Mnigs.Networks.Cjdns;

/// <summary>
/// Bencoding (BEP 3) as cjdns' admin interface speaks it. Encoding is canonical: dictionary keys in raw byte
/// order, no padding. Decoding is strict about syntax and bounded by <see cref="BencodeLimits"/>, and takes
/// three things cjdroute itself sends: string lengths padded with leading zeros (cjdroute's writer aligns
/// every datagram to 8 bytes that way, <c>d0000005:error...</c>), dictionary keys in any order (before
/// v21 its C writer kept insertion order), and byte strings that are not UTF-8. Anything else that is not
/// bencoding — leading zeros or <c>-0</c> in integers, numbers beyond 64 bits, a repeated key, bytes after the
/// value — is a <see cref="BencodeException"/>, never a crash or a hang.
/// </summary>
public static class Bencode
{
    public static byte[] Encode(BencValue value)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        Write(buffer, value);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Exactly one value filling <paramref name="data"/>.</summary>
    public static BencValue Decode(ReadOnlySpan<byte> data, BencodeLimits? limits = null)
    {
        limits ??= BencodeLimits.Default;
        if (data.Length > limits.MaxBytes)
            throw new BencodeException($"{data.Length} bytes, more than the {limits.MaxBytes} allowed", limits.MaxBytes);
        var reader = new Reader(data, limits.MaxDepth);
        var value = reader.ReadValue(depth: 0);
        if (reader.Position != data.Length)
            throw new BencodeException($"{data.Length - reader.Position} bytes after the end of the value", reader.Position);
        return value;
    }

    public static bool TryDecode(ReadOnlySpan<byte> data, out BencValue? value, out string? error, BencodeLimits? limits = null)
    {
        try
        {
            value = Decode(data, limits);
            error = null;
            return true;
        }
        catch (BencodeException e)
        {
            value = null;
            error = e.Message;
            return false;
        }
    }

    private static void Write(ArrayBufferWriter<byte> output, BencValue value)
    {
        switch (value)
        {
            case BencString s:
                WriteString(output, s.Bytes.Span);
                break;
            case BencInteger i:
                output.Write("i"u8);
                WriteNumber(output, i.Value);
                output.Write("e"u8);
                break;
            case BencList l:
                output.Write("l"u8);
                foreach (var item in l.Items)
                    Write(output, item);
                output.Write("e"u8);
                break;
            case BencDictionary d:
                output.Write("d"u8);
                foreach (var (key, item) in d.Entries)
                {
                    WriteString(output, key);
                    Write(output, item);
                }
                output.Write("e"u8);
                break;
            default:
                throw new ArgumentException($"not a bencode value: {value.GetType().Name}", nameof(value));
        }
    }

    private static void WriteString(ArrayBufferWriter<byte> output, ReadOnlySpan<byte> bytes)
    {
        WriteNumber(output, bytes.Length);
        output.Write(":"u8);
        output.Write(bytes);
    }

    private static void WriteNumber(ArrayBufferWriter<byte> output, long number)
    {
        var span = output.GetSpan(20);
        if (!Utf8Formatter.TryFormat(number, span, out var written))
            throw new InvalidOperationException("a 64-bit number needs at most 20 bytes");
        output.Advance(written);
    }

    private ref struct Reader(ReadOnlySpan<byte> data, int maxDepth)
    {
        private readonly ReadOnlySpan<byte> _data = data;

        public int Position { get; private set; }

        public BencValue ReadValue(int depth)
        {
            if (Position >= _data.Length)
                throw new BencodeException("the input ends where a value should start", Position);
            var first = _data[Position];
            switch (first)
            {
                case (byte)'i':
                    return new BencInteger(ReadInteger());
                case (byte)'l':
                    return ReadList(depth + 1);
                case (byte)'d':
                    return ReadDictionary(depth + 1);
                case >= (byte)'0' and <= (byte)'9':
                    return new BencString(ReadString());
                default:
                    throw new BencodeException($"0x{first:x2} cannot start a value", Position);
            }
        }

        private void CheckDepth(int depth)
        {
            if (depth > maxDepth)
                throw new BencodeException($"nested deeper than {maxDepth} levels", Position);
        }

        private BencList ReadList(int depth)
        {
            CheckDepth(depth);
            var start = Position++;
            var items = new List<BencValue>();
            while (true)
            {
                if (Position >= _data.Length)
                    throw new BencodeException("the list that starts here has no end", start);
                if (_data[Position] == (byte)'e')
                {
                    Position++;
                    return new BencList(items);
                }
                items.Add(ReadValue(depth));
            }
        }

        private BencDictionary ReadDictionary(int depth)
        {
            CheckDepth(depth);
            var start = Position++;
            var dictionary = new BencDictionary();
            while (true)
            {
                if (Position >= _data.Length)
                    throw new BencodeException("the dictionary that starts here has no end", start);
                if (_data[Position] == (byte)'e')
                {
                    Position++;
                    return dictionary;
                }
                var keyAt = Position;
                if (_data[Position] is < (byte)'0' or > (byte)'9')
                    throw new BencodeException("a dictionary key must be a string", Position);
                var key = ReadString();
                var value = ReadValue(depth);
                if (!dictionary.TryAdd(key, value))
                    throw new BencodeException($"the key {new BencString(key)} appears twice", keyAt);
            }
        }

        /// <summary>LENGTH:BYTES; the length may carry leading zeros (cjdroute's padding).</summary>
        private byte[] ReadString()
        {
            var start = Position;
            long length = 0;
            while (Position < _data.Length && _data[Position] is >= (byte)'0' and <= (byte)'9')
            {
                length = length * 10 + (_data[Position] - '0');
                Position++;
                // Checked at every digit, so the number never grows past what the input could hold.
                if (length > _data.Length)
                    throw new BencodeException("a string longer than the whole input", start);
            }
            if (Position >= _data.Length || _data[Position] != (byte)':')
                throw new BencodeException("a string length must end with ':'", Position);
            Position++;
            if (length > _data.Length - Position)
                throw new BencodeException($"a string of {length} bytes where {_data.Length - Position} remain", start);
            var bytes = _data.Slice(Position, (int)length).ToArray();
            Position += (int)length;
            return bytes;
        }

        /// <summary>i-?DIGITSe, canonical: no leading zeros, no -0, within 64 bits.</summary>
        private long ReadInteger()
        {
            var start = Position++;
            // A 64-bit number has at most 19 digits and a sign; anything longer is not one of ours.
            var end = _data.Slice(Position, Math.Min(21, _data.Length - Position)).IndexOf((byte)'e');
            if (end < 0)
                throw new BencodeException("an integer without its 'e' within 20 bytes", start);
            var digits = _data.Slice(Position, end);
            var unsigned = digits.Length > 0 && digits[0] == (byte)'-' ? digits[1..] : digits;
            if (unsigned.Length == 0 || unsigned.ContainsAnyExceptInRange((byte)'0', (byte)'9'))
                throw new BencodeException("an integer must be decimal digits with an optional '-'", start);
            if (unsigned.Length > 1 && unsigned[0] == (byte)'0')
                throw new BencodeException("an integer with a leading zero", start);
            if (unsigned.Length != digits.Length && unsigned is [(byte)'0'])
                throw new BencodeException("-0 is not an integer in bencoding", start);
            if (!long.TryParse(digits, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
                throw new BencodeException("an integer beyond 64 bits", start);
            Position += end + 1;
            return value;
        }
    }
}

using System.Buffers.Binary;
using System.Text;

namespace Mnigs.Tests.Networks.Layer2;

/// <summary>DNS packets built byte by byte, as another (or a hostile) mDNS speaker could send them.</summary>
internal static class Packets
{
    public static byte[] Header(ushort flags, int questions, int answers, int authority = 0, int additional = 0) =>
        [.. U16(0), .. U16(flags), .. U16(questions), .. U16(answers), .. U16(authority), .. U16(additional)];

    public static byte[] Name(string name) =>
        [.. name.Split('.').SelectMany(l => new[] { (byte)Encoding.UTF8.GetByteCount(l) }.Concat(Encoding.UTF8.GetBytes(l))), 0];

    public static byte[] Record(byte[] name, ushort type, byte[] data, uint ttl = 120, ushort klass = 1) =>
        [.. name, .. U16(type), .. U16(klass), .. U32(ttl), .. U16(data.Length), .. data];

    public static byte[] Question(string name, ushort type, ushort klass = 1) => [.. Name(name), .. U16(type), .. U16(klass)];

    public static byte[] U16(int value)
    {
        var b = new byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(b, (ushort)value);
        return b;
    }

    public static byte[] U32(uint value)
    {
        var b = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(b, value);
        return b;
    }

    public static byte[] Txt(params string[] strings) =>
        [.. strings.SelectMany(s => new[] { (byte)Encoding.UTF8.GetByteCount(s) }.Concat(Encoding.UTF8.GetBytes(s)))];
}

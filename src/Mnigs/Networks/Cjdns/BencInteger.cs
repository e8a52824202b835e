using System.Globalization;

namespace Mnigs.Networks.Cjdns;

/// <summary>A bencoded integer; cjdns sends 64-bit signed numbers (counters, flags, times in milliseconds).</summary>
public sealed class BencInteger(long value) : BencValue
{
    public long Value { get; } = value;

    public override string ToString() => Value.ToString(CultureInfo.InvariantCulture);
}

namespace Mnigs.Networks.Cjdns;

/// <summary>A bencoded list.</summary>
public sealed class BencList(IReadOnlyList<BencValue> items) : BencValue
{
    public IReadOnlyList<BencValue> Items { get; } = items;

    public override string ToString() => "[" + string.Join(", ", Items) + "]";
}

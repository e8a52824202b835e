using System.Text;

namespace Mnigs.Networks.Cjdns;

/// <summary>
/// A bencoded dictionary. Keys are byte strings kept in the order bencoding requires (raw bytes, ascending),
/// so <see cref="Bencode.Encode"/> writes them sorted however they were added. The typed getters answer null
/// when a key is missing or holds another kind of value: cjdns leaves fields out, and a reader decides.
/// </summary>
public sealed class BencDictionary : BencValue
{
    private readonly SortedDictionary<byte[], BencValue> _entries = new(RawOrder.Instance);

    public int Count => _entries.Count;

    /// <summary>Entries in key order.</summary>
    public IEnumerable<KeyValuePair<byte[], BencValue>> Entries => _entries;

    public BencValue? this[string key]
    {
        get => _entries.GetValueOrDefault(Encoding.UTF8.GetBytes(key));
        set
        {
            if (value is null)
                _entries.Remove(Encoding.UTF8.GetBytes(key));
            else
                _entries[Encoding.UTF8.GetBytes(key)] = value;
        }
    }

    /// <summary>Adds a key seen while decoding; false when the dictionary already has it.</summary>
    internal bool TryAdd(byte[] key, BencValue value) => _entries.TryAdd(key, value);

    public string? Text(string key) => (this[key] as BencString)?.Text;

    public long? Integer(string key) => (this[key] as BencInteger)?.Value;

    public BencDictionary? Dictionary(string key) => this[key] as BencDictionary;

    public BencList? List(string key) => this[key] as BencList;

    public override string ToString() =>
        "{" + string.Join(", ", _entries.Select(e => new BencString(e.Key) + ": " + e.Value)) + "}";

    /// <summary>Bencoding's key order: byte by byte, a prefix before what extends it.</summary>
    private sealed class RawOrder : IComparer<byte[]>
    {
        public static readonly RawOrder Instance = new();

        public int Compare(byte[]? x, byte[]? y) => x.AsSpan().SequenceCompareTo(y);
    }
}

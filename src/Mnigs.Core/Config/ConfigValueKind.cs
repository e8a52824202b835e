namespace Mnigs.Core.Config;

/// <summary>Reads a value of one kind (a port, a CIDR list, ...), or says why not.</summary>
/// <param name="hint">When refused, an optional detail beyond <see cref="ConfigValueKind{T}.Expected"/>.</param>
internal delegate bool ValueParser<T>(string text, out T value, out string? hint);

/// <summary>A kind of value: what it accepts, in words, and how to read it.</summary>
internal sealed class ConfigValueKind<T>(string expected, ValueParser<T> parse)
{
    public string Expected { get; } = expected;

    public bool Parse(string text, out T value, out string? hint) => parse(text, out value, out hint);

    /// <summary>The same kind, also accepting an empty value as <paramref name="empty"/>.</summary>
    public ConfigValueKind<T> OrEmpty(T empty, string expectedWhenEmpty) =>
        new($"{Expected}, or {expectedWhenEmpty}", (string text, out T value, out string? hint) =>
        {
            if (text.Length == 0)
            {
                value = empty;
                hint = null;
                return true;
            }
            return parse(text, out value, out hint);
        });
}

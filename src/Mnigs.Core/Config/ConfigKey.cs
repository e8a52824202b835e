namespace Mnigs.Core.Config;

/// <summary>One key of mnigs.conf: where it lives, what it accepts, its default and what it does.</summary>
public abstract class ConfigKey
{
    private const int QuotedLength = 60;

    private protected ConfigKey(string section, string key, string defaultText, string description)
    {
        Section = section;
        Key = key;
        Default = defaultText;
        Description = description;
    }

    public string Section { get; }

    public string Key { get; }

    /// <summary><c>section.key</c>, as messages name it.</summary>
    public string Name => $"{Section}.{Key}";

    /// <summary>The default, written as in the file; empty when the default is "nothing".</summary>
    public string Default { get; }

    /// <summary>One sentence for the sample file, the CLI and the web UI.</summary>
    public string Description { get; }

    /// <summary>What the key accepts, to complete "must be ...": <c>a whole number from 1 to 65535</c>.</summary>
    public abstract string Expected { get; }

    /// <summary>Null when <paramref name="value"/> is acceptable, else a plain message saying what is expected.</summary>
    public string? Validate(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var hint = Check(value, out var valid);
        if (valid)
            return null;
        var message = $"{Name} must be {Expected}, not \"{Quote(value)}\"";
        return hint is null ? message : $"{message} ({hint})";
    }

    /// <summary>Null and valid, or why the value is refused beyond <see cref="Expected"/> (may be null).</summary>
    private protected abstract string? Check(string value, out bool valid);

    /// <summary>The config with this key set; <paramref name="value"/> must have passed <see cref="Validate"/>.</summary>
    internal abstract MnigsConfig Apply(MnigsConfig config, string value);

    private static string Quote(string text)
    {
        var shown = text.Length > QuotedLength ? text[..QuotedLength] + "…" : text;
        return new string([.. shown.Select(c => char.IsControl(c) ? '?' : c)]);
    }
}

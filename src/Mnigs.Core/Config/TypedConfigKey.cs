namespace Mnigs.Core.Config;

/// <summary>A <see cref="ConfigKey"/> whose value parses to a <typeparamref name="T"/> and lands in one property of <see cref="MnigsConfig"/>.</summary>
internal sealed class TypedConfigKey<T>(
    string section, string key, ConfigValueKind<T> kind, string defaultText, string description,
    Func<MnigsConfig, T, MnigsConfig> apply)
    : ConfigKey(section, key, defaultText, description)
{
    public override string Expected => kind.Expected;

    private protected override string? Check(string value, out bool valid)
    {
        valid = kind.Parse(value, out _, out var hint);
        return hint;
    }

    internal override MnigsConfig Apply(MnigsConfig config, string value) =>
        kind.Parse(value, out var parsed, out _)
            ? apply(config, parsed)
            : throw new ArgumentException($"{Name} was applied without being validated", nameof(value));
}

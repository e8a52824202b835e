namespace Mnigs.Core.Config.Uci;

/// <summary>
/// OpenWrt's configuration for Mnigs: <c>/etc/config/mnigs</c> in UCI, mapped onto the keys of mnigs.conf
/// so that routers are set up the OpenWrt way (<c>uci set mnigs.gateway.enabled=1</c>) while the daemon
/// reads one format. A <c>config TYPE</c> section is the INI section TYPE (its name is free), an
/// <c>option</c> is the key of the same name, and the values of a <c>list</c> are joined as the
/// comma-separated list the key takes. As in UCI, a later <c>option</c> replaces an earlier one.
/// </summary>
/// <remarks>
/// Every value is checked here against <see cref="ConfigSchema"/>, so a mistake is reported on its line
/// of the UCI file, where the operator will fix it, not on a line of the generated text.
/// </remarks>
public static class UciConfig
{
    public static UciConversion ToIni(string uciText, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(uciText);
        var document = UciDocument.Parse(uciText);
        var errors = new List<ConfigError>(document.Errors);

        // Keys in the order they first appear, with their values and the line that set them last.
        var order = new List<ConfigKey>();
        var values = new Dictionary<ConfigKey, (List<string> Values, int Line)>();
        foreach (var section in document.Sections)
        {
            if (!ConfigSchema.HasSection(section.Type))
            {
                errors.Add(new ConfigError(section.Line, $"config {section.Type}: {ConfigSchema.UnknownSection(section.Type)}"));
                continue;
            }
            foreach (var option in section.Options)
            {
                if (ConfigSchema.Find(section.Type, option.Name) is not { } key)
                {
                    errors.Add(new ConfigError(option.Line, ConfigSchema.UnknownKey(section.Type, option.Name)));
                    continue;
                }
                if (!values.ContainsKey(key))
                    order.Add(key);
                if (!values.TryGetValue(key, out var current) || !option.IsList)
                    current = ([], option.Line);
                current.Values.Add(option.Value);
                values[key] = (current.Values, option.Line);
            }
        }

        var ini = new List<string> { $"# Made from {sourceName} at every start of mnigsd: change that file (uci set mnigs.SECTION.KEY=VALUE), not this one." };
        var uciLineOf = new Dictionary<int, int>();
        foreach (var group in order.GroupBy(k => k.Section))
        {
            ini.Add($"[{group.Key}]");
            foreach (var key in group)
            {
                var (list, line) = values[key];
                var value = string.Join(", ", list);
                if (key.Validate(value) is { } problem)
                    errors.Add(new ConfigError(line, problem));
                else if (IniDocument.CheckValue(value) is { } unwritable)
                    errors.Add(new ConfigError(line, $"{key.Name} cannot be \"{value}\": {unwritable}"));
                else
                {
                    ini.Add($"{key.Key} = {value}");
                    uciLineOf[ini.Count] = line;
                }
            }
        }
        var text = string.Join('\n', ini) + "\n";

        // What only the whole config can tell (a gateway address outside its subnet), on the UCI line of the key.
        if (errors.Count == 0)
            errors.AddRange(ConfigLoader.Check(IniDocument.Parse(text)).Errors.Select(e => e with { Line = uciLineOf.GetValueOrDefault(e.Line) }));
        return errors.Count == 0
            ? new UciConversion(text, [])
            : new UciConversion(null, [.. errors.OrderBy(e => e.Line)]);
    }
}

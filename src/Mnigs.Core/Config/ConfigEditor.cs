namespace Mnigs.Core.Config;

/// <summary>
/// Changes keys of mnigs.conf text the way an operator would: only the value changes, comments
/// and layout stay. An edit is refused, leaving the text as it was, when a key is unknown, a value
/// is invalid, or the result would have a problem the original did not (a gateway address left
/// outside a new subnet, say). Problems already in the text do not block unrelated edits.
/// </summary>
public static class ConfigEditor
{
    /// <summary>Applies <c>section.key=value</c>, as typed on a command line.</summary>
    public static ConfigEditResult Apply(string text, string assignment)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(assignment);
        var equals = assignment.IndexOf('=');
        var name = equals < 0 ? "" : assignment[..equals].Trim();
        var dot = name.IndexOf('.');
        if (dot <= 0 || dot == name.Length - 1)
            return new ConfigEditResult(false, text, $"Expected section.key=value, such as gateway.enabled=yes, not \"{assignment}\"");
        return Apply(text, [(name[..dot].Trim(), name[(dot + 1)..].Trim(), assignment[(equals + 1)..])]);
    }

    /// <summary>Applies every change, or none of them.</summary>
    public static ConfigEditResult Apply(string text, IEnumerable<(string Section, string Key, string Value)> changes)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(changes);
        var document = IniDocument.Parse(text);
        var before = ConfigLoader.Check(document).Errors.Select(e => e.Message).ToHashSet();
        foreach (var (section, key, rawValue) in changes)
        {
            var value = rawValue.Trim();
            if (ConfigSchema.Find(section, key) is not { } known)
                return Refuse(ConfigSchema.UnknownKey(section, key));
            if (known.Validate(value) is { } problem)
                return Refuse(problem);
            if (IniDocument.CheckValue(value) is { } unwritable)
                return Refuse($"{known.Name} cannot be written as \"{value}\": {unwritable}");
            document.Set(known.Section, known.Key, value);
        }
        var added = ConfigLoader.Check(document).Errors.FirstOrDefault(e => !before.Contains(e.Message));
        return added is null ? new ConfigEditResult(true, document.ToString(), null) : Refuse(added.Message);

        ConfigEditResult Refuse(string error) => new(false, text, error);
    }
}

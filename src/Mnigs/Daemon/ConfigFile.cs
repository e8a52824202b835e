using Mnigs.Core.Config;

namespace Mnigs.Daemon;

/// <summary>Reads the config file named with -f (or none: defaults). The node name defaults to the host name.</summary>
public static class ConfigFile
{
    public static (MnigsConfig? Config, string? Error) Load(string? path)
    {
        var text = "";
        if (path is not null)
        {
            if (!File.Exists(path))
                return (null, $"Config file {path} does not exist");
            text = File.ReadAllText(path);
        }
        if (!IniDocument.TryParse(text, out var doc, out var parseError))
            return (null, $"{path}: {parseError}");
        var result = ConfigLoader.Load(doc);
        if (result.Config is null)
            return (null, $"{path}: " + string.Join(Environment.NewLine + "  ", result.Errors));
        var config = result.Config;
        if (doc.Get("main", "name") is null)
            config = config with { Name = Environment.MachineName };
        return (config, null);
    }
}

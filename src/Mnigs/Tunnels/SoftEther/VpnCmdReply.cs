using System.Text;

namespace Mnigs.Tunnels.SoftEther;

/// <summary>A command's output: <see cref="Error"/> when it failed, else its lines (a CSV table for list commands).</summary>
public sealed record VpnCmdReply(string Command, VpnCmdError? Error, IReadOnlyList<string> Lines)
{
    /// <summary>The command's name: its first word.</summary>
    public string Name => Command.Split(' ', 2)[0];

    public bool Ok => Error is null;

    internal static VpnCmdReply Of(string command, List<string> lines)
    {
        var error = VpnCmdError.Find(lines);
        return new VpnCmdReply(command, error, [.. lines.Where(l => l.Length > 0)]);
    }

    /// <summary>The output as a CSV table: one dictionary per row, by the header's column names.</summary>
    public IReadOnlyList<IReadOnlyDictionary<string, string>> Table()
    {
        if (Error is not null || Lines.Count == 0)
            return [];
        var header = Csv(Lines[0]);
        return [.. Lines.Skip(1).Select(Csv).Where(r => r.Count == header.Count)
            .Select(r => (IReadOnlyDictionary<string, string>)header.Zip(r).ToDictionary(p => p.First, p => p.Second, StringComparer.Ordinal))];
    }

    /// <summary>For "Item,Value" tables (the ...Get commands): the value of <paramref name="item"/>, or null.</summary>
    public string? Item(string item) =>
        Table().FirstOrDefault(r => r.GetValueOrDefault("Item") == item)?.GetValueOrDefault("Value");

    /// <summary>One CSV line as vpncmd writes it: fields with commas or quotes are quoted, quotes doubled.</summary>
    internal static List<string> Csv(string line)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    field.Append(c);
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == ',')
            {
                fields.Add(field.ToString());
                field.Clear();
            }
            else
            {
                field.Append(c);
            }
        }
        fields.Add(field.ToString());
        return fields;
    }
}

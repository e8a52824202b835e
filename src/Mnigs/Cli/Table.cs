using System.Text;

namespace Mnigs.Cli;

/// <summary>Plain aligned columns for a terminal; no colours, so output can be piped.</summary>
public sealed class Table(params string[] headers)
{
    private readonly List<string[]> _rows = [];

    public Table Add(params string?[] cells)
    {
        _rows.Add([.. cells.Select(c => c ?? "-")]);
        return this;
    }

    public int Count => _rows.Count;

    public override string ToString()
    {
        var widths = headers.Select((h, i) => Math.Max(h.Length, _rows.Count == 0 ? 0 : _rows.Max(r => r[i].Length))).ToArray();
        var sb = new StringBuilder();
        Line(sb, headers, widths);
        foreach (var row in _rows)
            Line(sb, row, widths);
        return sb.ToString().TrimEnd();
    }

    private static void Line(StringBuilder sb, string[] cells, int[] widths)
    {
        for (var i = 0; i < cells.Length; i++)
            sb.Append(i == cells.Length - 1 ? cells[i] : cells[i].PadRight(widths[i] + 2));
        sb.AppendLine();
    }
}

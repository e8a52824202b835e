using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace Mnigs.Core.Config;

/// <summary>
/// An INI text that keeps every line as written: <see cref="ToString"/> gives the parsed text back
/// byte for byte, and <see cref="Set"/> changes one value and nothing else, so an operator's
/// comments and layout survive edits made by the CLI or the web UI.
/// </summary>
/// <remarks>
/// The format, kept small on purpose:
/// <list type="bullet">
/// <item><c>[section]</c> starts a section; keys before the first one belong to <c>[main]</c>.
/// A section may appear more than once; its keys are merged.</item>
/// <item><c>key = value</c>; whitespace around key and value is dropped, quotes are not special.</item>
/// <item>A line whose first visible character is <c>#</c> or <c>;</c> is a comment.</item>
/// <item>A <c>#</c> or <c>;</c> that starts a value or follows whitespace starts a trailing comment:
/// <c>port = 80 # http</c> is 80, while <c>a#b</c> is a value. So a value never starts with
/// <c>#</c> or <c>;</c> and never holds them right after whitespace.</item>
/// <item>Section and key names compare case-insensitively and keep their spelling.</item>
/// <item>A key set twice in a section: <see cref="Get"/> gives the last, <see cref="Set"/> sets all.</item>
/// </list>
/// Malformed lines are kept, so the text still round-trips, and listed in <see cref="Errors"/>;
/// keys under a malformed section header belong to no section.
/// </remarks>
public sealed class IniDocument
{
    /// <summary>The section of keys written before any <c>[section]</c> line.</summary>
    public const string ImplicitSection = "main";

    private const int QuotedLength = 60;
    private readonly List<Line> _lines;
    private readonly string _newline;

    private IniDocument(List<Line> lines, string newline)
    {
        _lines = lines;
        _newline = newline;
    }

    /// <summary>Malformed lines, with their current line numbers.</summary>
    public IReadOnlyList<ConfigError> Errors =>
        [.. _lines.Select((line, i) => (line, i)).Where(x => x.line.Error is not null)
            .Select(x => new ConfigError(x.i + 1, x.line.Error!))];

    /// <summary>Sections in order of first appearance, spelled as there; includes empty ones.</summary>
    public IReadOnlyList<string> Sections
    {
        get
        {
            var sections = new List<string>();
            foreach (var line in _lines)
            {
                if (line.Section is { } section && line.Kind is LineKind.Header or LineKind.Entry
                    && !sections.Contains(section, StringComparer.OrdinalIgnoreCase))
                    sections.Add(section);
            }
            return sections;
        }
    }

    /// <summary>Every key line that belongs to a section, in file order.</summary>
    public IReadOnlyList<IniEntry> Entries =>
        [.. _lines.Select((line, i) => (line, i)).Where(x => x.line is { Kind: LineKind.Entry, Section: not null })
            .Select(x => new IniEntry(x.line.Section!, x.line.Key, x.line.Value, x.i + 1))];

    /// <summary>Reads <paramref name="text"/>, keeping malformed lines and reporting them in <see cref="Errors"/>.</summary>
    public static IniDocument Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var lines = new List<Line>();
        string? section = ImplicitSection;
        string? newline = null;
        var position = 0;
        while (position < text.Length)
        {
            var end = text.IndexOf('\n', position);
            string raw, terminator;
            if (end < 0)
            {
                raw = text[position..];
                terminator = "";
                position = text.Length;
            }
            else
            {
                var contentEnd = end > position && text[end - 1] == '\r' ? end - 1 : end;
                raw = text[position..contentEnd];
                terminator = text[contentEnd..(end + 1)];
                position = end + 1;
                newline ??= terminator;
            }
            var line = Classify(raw, terminator, start: lines.Count == 0 && raw.StartsWith('\uFEFF') ? 1 : 0);
            if (line.Kind is LineKind.Header or LineKind.BadHeader)
                section = line.Section;
            else if (line.Kind == LineKind.Entry)
                line.Section = section;
            lines.Add(line);
        }
        return new IniDocument(lines, newline ?? "\n");
    }

    /// <summary>
    /// Reads <paramref name="text"/>; false when a line is malformed, with every such line in
    /// <paramref name="error"/>, one per line of text.
    /// </summary>
    public static bool TryParse(string text, [NotNullWhen(true)] out IniDocument? document, [NotNullWhen(false)] out string? error)
    {
        var parsed = Parse(text);
        var errors = parsed.Errors;
        if (errors.Count > 0)
        {
            document = null;
            error = string.Join('\n', errors);
            return false;
        }
        document = parsed;
        error = null;
        return true;
    }

    /// <summary>Keys of <paramref name="section"/> in order of first appearance, spelled as there.</summary>
    public IReadOnlyList<string> Keys(string section)
    {
        var keys = new List<string>();
        foreach (var line in _lines)
        {
            if (line.Kind == LineKind.Entry && SameName(line.Section, section)
                && !keys.Contains(line.Key, StringComparer.OrdinalIgnoreCase))
                keys.Add(line.Key);
        }
        return keys;
    }

    /// <summary>The value of the last line setting <paramref name="key"/> in <paramref name="section"/>, or null.</summary>
    public string? Get(string section, string key) =>
        _lines.LastOrDefault(line => IsEntry(line, section, key))?.Value;

    /// <summary>Line number of the first <c>[section]</c> header, or 0 when there is none.</summary>
    public int HeaderLine(string section) =>
        _lines.FindIndex(line => line.Kind == LineKind.Header && SameName(line.Section, section)) + 1;

    /// <summary>
    /// Sets <paramref name="key"/> in <paramref name="section"/>. An existing line keeps its place,
    /// spelling and trailing comment; a new key goes under its commented-out example if the section
    /// has one, else after the section's last key; a new section goes at the end of the text.
    /// </summary>
    /// <exception cref="ArgumentException">A name or value that cannot be written: check values with <see cref="CheckValue"/>.</exception>
    public void Set(string section, string key, string value)
    {
        if (!IsValidSectionName(section))
            throw new ArgumentException($"Not a section name: \"{section}\"", nameof(section));
        if (!IsValidKey(key))
            throw new ArgumentException($"Not a key: \"{key}\"", nameof(key));
        if (CheckValue(value) is { } problem)
            throw new ArgumentException(problem, nameof(value));

        var replaced = false;
        foreach (var line in _lines.Where(line => IsEntry(line, section, key)))
        {
            line.ReplaceValue(value);
            replaced = true;
        }
        if (replaced)
            return;

        if (FindSection(section) is var (start, end, spelling))
            Insert(InsertionPoint(start, end, key), NewEntry(spelling, key, value));
        else
            AppendSection(section, key, value);
    }

    /// <summary>Why <paramref name="value"/> cannot be written as a value, or null when it can.</summary>
    public static string? CheckValue(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Any(char.IsControl))
            return "a value cannot contain line breaks, tabs or other control characters";
        if (value.Length > 0 && (char.IsWhiteSpace(value[0]) || char.IsWhiteSpace(value[^1])))
            return "a value cannot start or end with whitespace";
        if (value.Length > 0 && IsCommentMark(value[0]))
            return "a value cannot start with # or ;, which start a comment";
        for (var i = 1; i < value.Length; i++)
        {
            if (IsCommentMark(value[i]) && char.IsWhiteSpace(value[i - 1]))
                return "a value cannot hold # or ; right after a space, which start a comment";
        }
        return null;
    }

    public override string ToString()
    {
        var text = new StringBuilder();
        foreach (var line in _lines)
            text.Append(line.Raw).Append(line.Terminator);
        return text.ToString();
    }

    private static Line Classify(string raw, string terminator, int start)
    {
        var i = start;
        while (i < raw.Length && char.IsWhiteSpace(raw[i]))
            i++;
        if (i == raw.Length)
            return new Line(raw, terminator, LineKind.Blank);
        if (IsCommentMark(raw[i]))
            return new Line(raw, terminator, LineKind.Comment);
        if (raw[i] == '[')
            return ClassifyHeader(raw, terminator, i);

        var equals = raw.IndexOf('=', i);
        if (equals < 0)
            return Bad(raw, terminator, $"expected \"key = value\", a [section] or a # comment, not \"{Quote(raw[i..])}\"");
        var key = raw[i..equals].TrimEnd();
        if (key.Length == 0)
            return Bad(raw, terminator, $"a key is missing before \"=\" in \"{Quote(raw[i..])}\"");

        var valueStart = equals + 1;
        while (valueStart < raw.Length && char.IsWhiteSpace(raw[valueStart]))
            valueStart++;
        var valueEnd = valueStart;
        while (valueEnd < raw.Length && !(IsCommentMark(raw[valueEnd]) && (valueEnd == valueStart || char.IsWhiteSpace(raw[valueEnd - 1]))))
            valueEnd++;
        while (valueEnd > valueStart && char.IsWhiteSpace(raw[valueEnd - 1]))
            valueEnd--;
        return new Line(raw, terminator, LineKind.Entry) { Key = key, ValueStart = valueStart, ValueLength = valueEnd - valueStart };
    }

    private static Line ClassifyHeader(string raw, string terminator, int open)
    {
        var close = raw.IndexOf(']', open + 1);
        if (close < 0)
            return BadHeader(raw, terminator, $"section header \"{Quote(raw[open..])}\" lacks its closing ]");
        var name = raw[(open + 1)..close].Trim();
        var rest = raw[(close + 1)..].TrimStart();
        if (rest.Length > 0 && !IsCommentMark(rest[0]))
            return BadHeader(raw, terminator, $"unexpected text \"{Quote(rest)}\" after section header [{Quote(name)}]");
        if (!IsValidSectionName(name))
            return BadHeader(raw, terminator, $"\"{Quote(raw[open..(close + 1)])}\" is not a section name");
        return new Line(raw, terminator, LineKind.Header) { Section = name };
    }

    private static Line Bad(string raw, string terminator, string error) =>
        new(raw, terminator, LineKind.Bad) { Error = error };

    private static Line BadHeader(string raw, string terminator, string error) =>
        new(raw, terminator, LineKind.BadHeader) { Error = error };

    /// <summary>Lines [Start, End) of the last occurrence of <paramref name="section"/>, or null.</summary>
    private (int Start, int End, string Spelling)? FindSection(string section)
    {
        var firstHeader = _lines.FindIndex(line => line.StartsSection);
        if (firstHeader < 0)
            firstHeader = _lines.Count;
        var header = _lines.FindLastIndex(line => line.Kind == LineKind.Header && SameName(line.Section, section));
        if (header >= 0)
        {
            var next = _lines.FindIndex(header + 1, line => line.StartsSection);
            return (header + 1, next < 0 ? _lines.Count : next, _lines[header].Section!);
        }
        // Keys above the first header form [main] only when there are some; otherwise a new
        // [main] header at the end says plainly where the key belongs.
        if (SameName(section, ImplicitSection) && _lines.Take(firstHeader).Any(line => line.Kind == LineKind.Entry))
            return (0, firstHeader, ImplicitSection);
        return null;
    }

    private int InsertionPoint(int start, int end, string key)
    {
        var example = -1;
        var lastEntry = -1;
        for (var i = start; i < end; i++)
        {
            if (_lines[i].Kind == LineKind.Comment && CommentsOut(_lines[i].Raw, key))
                example = i;
            else if (_lines[i].Kind == LineKind.Entry)
                lastEntry = i;
        }
        if (example >= 0)
            return example + 1;
        if (lastEntry >= 0)
            return lastEntry + 1;

        // No key yet: after the section's own lines, leaving a comment block that stands apart
        // (a blank line above it) with the section header it introduces.
        var point = end;
        if (end < _lines.Count)
        {
            var block = end;
            while (block > start && _lines[block - 1].Kind == LineKind.Comment)
                block--;
            if (block > start && _lines[block - 1].Kind == LineKind.Blank)
                point = block;
        }
        while (point > start && _lines[point - 1].Kind == LineKind.Blank)
            point--;
        return point;
    }

    /// <summary>True for a comment such as <c># maxConnections = 32</c>.</summary>
    private static bool CommentsOut(string raw, string key)
    {
        var text = raw.AsSpan().TrimStart().TrimStart("#;").TrimStart();
        if (!text.StartsWith(key, StringComparison.OrdinalIgnoreCase))
            return false;
        var rest = text[key.Length..].TrimStart();
        return rest.Length > 0 && rest[0] == '=';
    }

    private void Insert(int index, Line line)
    {
        if (index > 0 && _lines[index - 1].Terminator.Length == 0)
        {
            // The text had no final line break: keep it that way, after the new last line.
            _lines[index - 1].Terminator = _newline;
            line.Terminator = "";
        }
        _lines.Insert(index, line);
    }

    private void AppendSection(string section, string key, string value)
    {
        if (_lines.Count > 0 && _lines[^1].Kind != LineKind.Blank)
            Insert(_lines.Count, new Line("", _newline, LineKind.Blank));
        Insert(_lines.Count, new Line($"[{section}]", _newline, LineKind.Header) { Section = section });
        Insert(_lines.Count, NewEntry(section, key, value));
    }

    private Line NewEntry(string section, string key, string value) =>
        value.Length == 0
            ? new Line($"{key} =", _newline, LineKind.Entry) { Section = section, Key = key, ValueStart = key.Length + 2 }
            : new Line($"{key} = {value}", _newline, LineKind.Entry)
            { Section = section, Key = key, ValueStart = key.Length + 3, ValueLength = value.Length };

    private static bool IsEntry(Line line, string section, string key) =>
        line.Kind == LineKind.Entry && SameName(line.Section, section) && SameName(line.Key, key);

    private static bool SameName(string? a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);

    private static bool IsCommentMark(char c) => c is '#' or ';';

    private static bool IsValidSectionName(string name) =>
        name.Length > 0 && name == name.Trim() && !name.Any(c => c is '[' or ']' || char.IsControl(c));

    private static bool IsValidKey(string key) =>
        key.Length > 0 && key == key.Trim() && !IsCommentMark(key[0]) && key[0] != '['
        && !key.Any(c => c == '=' || char.IsControl(c));

    private static string Quote(string text)
    {
        var shown = text.Length > QuotedLength ? text[..QuotedLength] + "…" : text;
        return new string([.. shown.Select(c => char.IsControl(c) ? '?' : c)]);
    }

    private enum LineKind { Blank, Comment, Header, Entry, Bad, BadHeader }

    private sealed class Line(string raw, string terminator, LineKind kind)
    {
        public string Raw { get; private set; } = raw;

        public string Terminator { get; set; } = terminator;

        public LineKind Kind { get; } = kind;

        /// <summary>For headers their name; for entries the section they belong to (null: under a bad header).</summary>
        public string? Section { get; set; }

        public string Key { get; init; } = "";

        public int ValueStart { get; set; }

        public int ValueLength { get; set; }

        public string? Error { get; init; }

        public bool StartsSection => Kind is LineKind.Header or LineKind.BadHeader;

        public string Value => Raw.Substring(ValueStart, ValueLength);

        public void ReplaceValue(string value)
        {
            var before = Raw[..ValueStart];
            var after = Raw[(ValueStart + ValueLength)..];
            if (value.Length > 0)
            {
                // "key =" becomes "key = value", and a comment right after the old value stays a comment.
                if (ValueLength == 0 && before.Length >= 2 && before[^1] == '=' && char.IsWhiteSpace(before[^2]))
                    before += " ";
                if (after.Length > 0 && IsCommentMark(after[0]))
                    after = " " + after;
            }
            Raw = before + value + after;
            ValueStart = before.Length;
            ValueLength = value.Length;
        }
    }
}

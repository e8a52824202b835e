using System.Text;

namespace Mnigs.Core.Config.Uci;

/// <summary>
/// The text of an OpenWrt UCI file such as <c>/etc/config/mnigs</c>, read the way libuci reads it
/// (openwrt.org/docs/guide-user/base-system/uci, "File Syntax"; libuci's file.c).
/// </summary>
/// <remarks>
/// Statements are <c>package NAME</c>, <c>config TYPE [NAME]</c>, <c>option NAME VALUE</c> and
/// <c>list NAME VALUE</c>, one per line or separated by <c>;</c>. A word may be quoted: <c>'...'</c>
/// keeps everything as written, <c>"..."</c> and bare words take <c>\x</c> as x; adjacent pieces join
/// (<c>'a'"b"c</c> is abc). <c>#</c> outside quotes ends the line. A quote left open or a backslash
/// ending a line (libuci's continuation, which the uci tool never writes) is reported as an error.
/// </remarks>
public sealed class UciDocument
{
    private UciDocument(IReadOnlyList<UciSection> sections, IReadOnlyList<ConfigError> errors)
    {
        Sections = sections;
        Errors = errors;
    }

    public IReadOnlyList<UciSection> Sections { get; }

    /// <summary>Lines that could not be read; the rest of the file is still read.</summary>
    public IReadOnlyList<ConfigError> Errors { get; }

    public static UciDocument Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var sections = new List<UciSection>();
        var errors = new List<ConfigError>();
        (string Type, string? Name, int Line, List<UciOption> Options)? open = null;
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var number = i + 1;
            if (!TryTokenize(lines[i].TrimEnd('\r'), out var statements, out var problem))
            {
                errors.Add(new ConfigError(number, problem));
                continue;
            }
            foreach (var words in statements)
            {
                switch (words[0])
                {
                    case "package" when words.Count == 2:
                        break;
                    case "config" when words.Count is 2 or 3:
                        Close();
                        open = (words[1], words.Count == 3 ? words[2] : null, number, []);
                        break;
                    case "option" or "list" when words.Count == 3:
                        if (open is { } section)
                            section.Options.Add(new UciOption(words[1], words[2], words[0] == "list", number));
                        else
                            errors.Add(new ConfigError(number, $"\"{words[0]} {words[1]}\" comes before any config line; it belongs to no section"));
                        break;
                    case "package" or "config" or "option" or "list":
                        errors.Add(new ConfigError(number, Usage(words[0])));
                        break;
                    default:
                        errors.Add(new ConfigError(number, $"Expected config, option or list, not \"{Shorten(words[0])}\""));
                        break;
                }
            }
        }
        Close();
        return new UciDocument(sections, errors);

        void Close()
        {
            if (open is { } done)
                sections.Add(new UciSection(done.Type, done.Name, done.Line, done.Options));
            open = null;
        }
    }

    private static string Usage(string keyword) => keyword switch
    {
        "package" => "Expected package NAME",
        "config" => "Expected config TYPE ['NAME']",
        _ => $"Expected {keyword} NAME 'VALUE' (quote a value that has spaces)",
    };

    private static string Shorten(string word) => word.Length > 40 ? word[..40] + "…" : word;

    /// <summary>Splits one line into statements of words, with quotes and escapes resolved.</summary>
    private static bool TryTokenize(string line, out List<List<string>> statements, out string problem)
    {
        var found = new List<List<string>>();
        statements = found;
        problem = "";
        var words = new List<string>();
        var word = new StringBuilder();
        var inWord = false;
        var i = 0;
        while (i < line.Length)
        {
            var c = line[i];
            if (c == '#')
                break;
            if (c is ' ' or '\t' or ';')
            {
                EndWord();
                if (c == ';')
                    EndStatement();
                i++;
                continue;
            }
            inWord = true;
            if (c is '\'' or '"')
            {
                var close = c == '"' ? FindDoubleQuoteEnd(line, i + 1, word) : line.IndexOf('\'', i + 1);
                if (close < 0)
                {
                    problem = $"A {(c == '"' ? "double" : "single")} quote is not closed on this line";
                    return false;
                }
                if (c == '\'')
                    word.Append(line, i + 1, close - i - 1);
                i = close + 1;
                continue;
            }
            if (c == '\\')
            {
                if (i + 1 == line.Length)
                {
                    problem = "A backslash ends the line: continued lines are not supported; put the statement on one line";
                    return false;
                }
                word.Append(line[i + 1]);
                i += 2;
                continue;
            }
            word.Append(c);
            i++;
        }
        EndWord();
        EndStatement();
        return true;

        void EndWord()
        {
            if (!inWord)
                return;
            words.Add(word.ToString());
            word.Clear();
            inWord = false;
        }

        void EndStatement()
        {
            if (words.Count > 0)
                found.Add(words);
            words = [];
        }
    }

    /// <summary>Appends the double-quoted text from <paramref name="start"/> (escapes resolved); the closing quote's index, or -1.</summary>
    private static int FindDoubleQuoteEnd(string line, int start, StringBuilder word)
    {
        for (var i = start; i < line.Length; i++)
        {
            switch (line[i])
            {
                case '"':
                    return i;
                case '\\' when i + 1 < line.Length:
                    word.Append(line[++i]);
                    break;
                case '\\':
                    return -1;
                default:
                    word.Append(line[i]);
                    break;
            }
        }
        return -1;
    }
}

using CsCheck;
using Mnigs.Core.Config;

namespace Mnigs.Core.Tests.Config;

/// <summary>
/// Whatever an operator, a broken editor or a hostile admin client writes, the loader and the
/// editor answer with a config or plain errors, never an exception, and a refused edit changes nothing.
/// </summary>
public class ConfigPropertyTests
{
    private const int Iterations = 5000;

    private static readonly string[] Values =
    [
        "", "yes", "no", "on", "0", "1", "32", "65535", "65536", "-1", "abc", "10.0.0.0/8", "10.0.0.1/8", "fd00::/8",
        "::1", "10.201.0.1", "10.201.0.0/24", "10.9.0.0/24", "10.9.0.1", "fd6d:6e69:6773::1", "fe80::1%eth0",
        "127.0.0.0/8, ::1/128", "80,,81", "/usr/bin/hook", "relative/path", "eth0", "route", "none", "debug",
        "mn", "a#b", "x # comment", "; comment", "[section]", "=", "\t", "é", "\uD800", "\0",
    ];

    private static readonly Gen<string> AnyValue = Gen.Frequency(
        (4, Gen.OneOf(Values)),
        (1, Gen.String["abc019 .,:/#;=[]%-"]),
        (1, Gen.String));

    private static readonly Gen<string> SectionName = Gen.OneOf(
        [.. ConfigSchema.Sections, "Gateway", "WIREGUARD", "cjdns", "", " main ", "a]b", "[x"]);

    private static readonly Gen<string> KeyName = Gen.OneOf(
        [.. ConfigSchema.Keys.Select(k => k.Key), "MAXCONNECTIONS", "maxconection", "", " name", "a=b", "#x"]);

    private static readonly Gen<string> Line = Gen.Frequency(
        (6, Gen.Select(KeyName, Gen.OneOf(" = ", "=", " =\t", "  =  "), AnyValue, (k, eq, v) => k + eq + v)),
        (2, SectionName.Select(s => $"[{s}]")),
        (1, Gen.String["[]"].Select(s => "[" + s)),
        (1, AnyValue.Select(v => "# " + v)),
        (1, AnyValue.Select(v => "; " + v)),
        (1, Gen.OneOf("", " ", "\t")),
        (1, Gen.String["ab =[]#;\r\n"]),
        (1, Gen.String));

    private static readonly Gen<string> Text = Gen.Select(Line, Gen.OneOf("\n", "\r\n", "\r", ""))
        .Select(l => l.Item1 + l.Item2).Array[0, 25]
        .Select(lines => string.Concat(lines));

    private static readonly Gen<string> RandomChars = Gen.OneOf(Gen.String, Gen.String["[]=#; \t\r\n\uFEFFab.,/:019"]);

    private static readonly string[] Separators = [" = ", "=", "\t=  ", " ="];

    private static readonly string[] Trailers = ["", " # note", "\t; note", "   ", "# glued note"];

    /// <summary>
    /// Configs that load without errors: some keys at their defaults, others set to a valid example,
    /// written with assorted spacing and trailing comments, some sections with a comment above.
    /// </summary>
    private static readonly Gen<string> ValidConfig =
        Gen.Select(Gen.Bool, Gen.Int[0, 3], Gen.Int[0, Separators.Length - 1], Gen.Int[0, Trailers.Length - 1])
            .Array[ConfigSchema.Keys.Count].Select(choices =>
            {
                var lines = new List<string>();
                string? section = null;
                for (var i = 0; i < ConfigSchema.Keys.Count; i++)
                {
                    var key = ConfigSchema.Keys[i];
                    var (include, example, separator, trailer) = choices[i];
                    if (!include)
                        continue;
                    if (key.Section != section)
                    {
                        if (trailer == 1)
                            lines.AddRange(["", $"# about {key.Section}"]);
                        lines.Add($"[{key.Section}]");
                    }
                    section = key.Section;
                    var examples = ValidExamples(key);
                    var value = examples[example % examples.Length];
                    // A comment glued to a value would become part of it; glue it only where there is none.
                    var comment = Trailers[trailer].StartsWith('#') && value.Length > 0 ? "" : Trailers[trailer];
                    lines.Add($"{key.Key}{Separators[separator]}{value}{comment}");
                }
                return string.Join('\n', lines) + "\n";
            });

    private static readonly Gen<string> MutatedConfig =
        Gen.Select(ValidConfig, Gen.Int[0, 100], Gen.Int[0, 4], Gen.Select(Line, RandomChars, Gen.Char))
            .Select((text, where, how, junk) =>
            {
                var lines = text.Split('\n').ToList();
                var i = where % lines.Count;
                var line = lines[i];
                lines[i] = how switch
                {
                    0 => junk.Item1,
                    1 => junk.Item2,
                    2 when line.Length > 0 => line.Remove(where % line.Length, 1),
                    3 => line.Insert(line.Length == 0 ? 0 : where % line.Length, junk.Item3.ToString()),
                    _ => line + "\n" + line,
                };
                return string.Join('\n', lines);
            });

    private static readonly Gen<string> AnyConfig = Gen.Frequency((3, Text), (2, RandomChars), (3, MutatedConfig), (1, ValidConfig));

    private static readonly Gen<(string Section, string Key, string Value)> Change =
        Gen.Select(SectionName, KeyName, AnyValue);

    private static readonly Gen<string> Assignment = Gen.Frequency(
        (4, Change.Select(c => $"{c.Section}.{c.Key}={c.Value}")),
        (1, Gen.String["abc.=# "]),
        (1, Gen.String));

    [Fact]
    public void Loading_any_text_gives_a_config_or_errors_and_never_throws() =>
        AnyConfig.Sample(text =>
        {
            var result = ConfigLoader.Load(text);

            Assert.Equal(result.Config is null, result.Errors.Count > 0);
            Assert.All(result.Errors, error => Assert.False(string.IsNullOrWhiteSpace(error)));
        }, iter: Iterations);

    [Fact]
    public void Any_text_round_trips_byte_for_byte() =>
        AnyConfig.Sample(text => Assert.Equal(text, IniDocument.Parse(text).ToString()), iter: Iterations);

    [Fact]
    public void Valid_configs_load_without_errors() =>
        ValidConfig.Sample(text => Assert.Empty(ConfigLoader.Load(text).Errors), iter: Iterations / 5);

    [Fact]
    public void Editing_never_throws_and_a_refused_edit_changes_nothing() =>
        Gen.Select(AnyConfig, Assignment).Sample((text, assignment) =>
        {
            var result = ConfigEditor.Apply(text, assignment);

            if (!result.Ok)
            {
                Assert.Equal(text, result.Text);
                Assert.False(string.IsNullOrWhiteSpace(result.Error));
            }
            else
            {
                Assert.Null(result.Error);
            }
        }, iter: Iterations);

    [Fact]
    public void An_accepted_edit_reads_back_and_adds_no_problem() =>
        Gen.Select(AnyConfig, Change.Array[1, 4]).Sample((text, changes) =>
        {
            var result = ConfigEditor.Apply(text, changes);
            if (!result.Ok)
            {
                Assert.Equal(text, result.Text);
                return;
            }

            var edited = IniDocument.Parse(result.Text);
            foreach (var (section, key, _) in changes)
            {
                var known = ConfigSchema.Find(section, key)!;
                var last = changes.Last(c => ConfigSchema.Find(c.Section, c.Key) == known);
                Assert.Equal(last.Value.Trim(), edited.Get(known.Section, known.Key));
            }
            if (ConfigLoader.Load(text).Ok)
                Assert.True(ConfigLoader.Load(result.Text).Ok);
        }, iter: Iterations);

    [Fact]
    public void Valid_edits_of_valid_configs_are_accepted() =>
        Gen.Select(ValidConfig, Gen.Int[0, 1000], Gen.Int[0, 3]).Sample((text, which, example) =>
        {
            var key = ConfigSchema.Keys[which % ConfigSchema.Keys.Count];
            var examples = ValidExamples(key);
            var value = examples[example % examples.Length];

            var result = ConfigEditor.Apply(text, $"{key.Section}.{key.Key}={value}");

            Assert.True(result.Ok, result.Error);
            Assert.Equal(value, IniDocument.Parse(result.Text).Get(key.Section, key.Key));
        }, iter: Iterations);

    /// <summary>Values valid on their own and together with any other key's examples.</summary>
    private static string[] ValidExamples(ConfigKey key) => key.Name switch
    {
        "main.name" => [key.Default, "Café gateway", "n"],
        "daemon.scanPorts" => [key.Default, "65533, 8080", "1"],
        "daemon.authorizedNetworks" => [key.Default, "10.0.0.0/8", "192.168.1.7, fd00::/8"],
        "daemon.routingTable" => [key.Default, "100", "2147483647"],
        "daemon.logLevel" => [key.Default, "DEBUG", "error"],
        "gateway.enabled" or "subscriber.dns" or "babel.enabled" or "wireguard.enabled" => [key.Default, "on", "0", "True"],
        "gateway.maxConnections" => [key.Default, "1", "65535"],
        "gateway.uplink" => [key.Default, "eth0", "wlan0.5"],
        "gateway.dns" => [key.Default, "9.9.9.9", "9.9.9.9, 2620:fe::fe"],
        "gateway.onRegister" or "subscriber.onConnect" => [key.Default, "/usr/local/bin/hook"],
        "subscriber.routing" => [key.Default, "none"],
        "babel.address" => [key.Default, "fd00::1", "10.0.0.1"],
        "wireguard.ipv4Gateway" => [key.Default, "10.201.0.1", "10.201.0.254"],
        "wireguard.ipv6Gateway" => [key.Default, "fd6d:6e69:6773::1"],
        "wireguard.mtu" => [key.Default, "1280", "1420"],
        _ => [key.Default],
    };
}

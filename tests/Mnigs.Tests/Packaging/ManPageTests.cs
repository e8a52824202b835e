using System.Text.RegularExpressions;
using Mnigs.Core.Tests.Config;
using Mnigs.Tests.Cli;

namespace Mnigs.Tests.Packaging;

/// <summary>The manual pages the packages install describe every command and option that --help lists.</summary>
[Collection("console")]
public sealed partial class ManPageTests
{
    [Fact]
    public async Task Mnigs_cli_page_covers_every_command_and_option_of_the_help()
    {
        var page = Plain(RepositoryFiles.Read("packaging/man/mnigs-cli.8"));
        var missing = new List<string>();
        var pending = new Queue<string[]>([[]]);
        while (pending.TryDequeue(out var command))
        {
            var (code, help, _) = await CliRun.RunAsync([.. command, "--help"]);
            Assert.Equal(0, code);
            foreach (var option in Listed(help, "Options:").SelectMany(OptionNames).Where(o => o != "-?"))
            {
                if (!page.Contains(option, StringComparison.Ordinal))
                    missing.Add($"{string.Join(' ', command)} {option}".Trim());
            }
            foreach (var sub in Listed(help, "Commands:").Select(line => line.Split(' ')[0]))
            {
                string[] path = [.. command, sub];
                if (!page.Contains(string.Join(' ', path), StringComparison.Ordinal))
                    missing.Add(string.Join(' ', path));
                pending.Enqueue(path);
            }
        }
        Assert.True(missing.Count == 0, "packaging/man/mnigs-cli.8 does not mention: " + string.Join(", ", missing));
    }

    [Fact]
    public void Mnigsd_page_covers_the_daemon_options_and_its_files()
    {
        var page = Plain(RepositoryFiles.Read("packaging/man/mnigsd.8"));

        foreach (var text in new[] { "-f", "--version", "--help", "/etc/mnigs/mnigs.conf", "/var/lib/mnigs", "SIGTERM", "CAP_NET_ADMIN", "CAP_NET_RAW" })
            Assert.Contains(text, page);
    }

    /// <summary>The lines of a help section ("Options:", "Commands:"), without their indentation.</summary>
    private static IEnumerable<string> Listed(string help, string heading) =>
        help.Split('\n').SkipWhile(l => l.Trim() != heading).Skip(1).TakeWhile(l => l.StartsWith("  ", StringComparison.Ordinal))
            .Select(l => l.Trim());

    private static IEnumerable<string> OptionNames(string line) =>
        OptionPattern().Matches(line.Split("  ")[0]).Select(m => m.Value);

    /// <summary>roff source as the reader sees its words: no font changes, \- as -.</summary>
    private static string Plain(string roff) => roff.Replace(@"\-", "-", StringComparison.Ordinal).Replace(@"\fB", "", StringComparison.Ordinal)
        .Replace(@"\fI", "", StringComparison.Ordinal).Replace(@"\fR", "", StringComparison.Ordinal).Replace("\"", "", StringComparison.Ordinal);

    [GeneratedRegex(@"(?<![\w-])--?[\w?-]+")]
    private static partial Regex OptionPattern();
}

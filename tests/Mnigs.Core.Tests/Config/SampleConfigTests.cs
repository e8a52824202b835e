using System.Text.RegularExpressions;
using Mnigs.Core.Config;

namespace Mnigs.Core.Tests.Config;

public class SampleConfigTests
{
    private static readonly string Sample = RepositoryFiles.Read("mnigs.conf.sample");

    [Fact]
    public void Sample_loads_without_errors_and_gives_the_defaults()
    {
        var result = ConfigLoader.Load(Sample);

        Assert.Empty(result.Errors);
        ConfigAssert.Equivalent(new MnigsConfig(), result.Config!);
    }

    [Fact]
    public void Sample_documents_every_schema_key_in_its_section_with_its_default()
    {
        var documented = DocumentedKeys(Sample);

        Assert.All(ConfigSchema.Keys, key =>
        {
            Assert.True(documented.TryGetValue(key.Name, out var entry), $"{key.Name} is missing from mnigs.conf.sample");
            Assert.Equal(key.Default, entry.Value);
            Assert.StartsWith("#", entry.CommentAbove);
        });
        Assert.Equal(ConfigSchema.Keys.Count, documented.Count);
    }

    /// <summary>Lines "# key = value" or "key = value" by section.key, with the line above each.</summary>
    private static Dictionary<string, (string Value, string CommentAbove)> DocumentedKeys(string text)
    {
        var keys = new Dictionary<string, (string, string)>();
        var section = IniDocument.ImplicitSection;
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            if (Regex.Match(lines[i], @"^\[([\w-]+)\]$") is { Success: true } header)
                section = header.Groups[1].Value;
            else if (Regex.Match(lines[i], @"^(?:# )?(\w+) =(?: (.*))?$") is { Success: true } key)
                keys.Add($"{section}.{key.Groups[1].Value}", (key.Groups[2].Value, i > 0 ? lines[i - 1] : ""));
        }
        return keys;
    }
}

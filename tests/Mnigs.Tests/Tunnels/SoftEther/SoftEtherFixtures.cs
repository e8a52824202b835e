using System.Runtime.CompilerServices;

namespace Mnigs.Tests.Tunnels.SoftEther;

/// <summary>vpncmd transcripts recorded from the real SoftEther 5.01 on this project's machine; see Fixtures/README.md.</summary>
internal static class SoftEtherFixtures
{
    public const string ServerAdmin = "0123456789abcdef0123456789abcdef0123456789abcdef";
    public const string ClientAdmin = "abcdefabcdefabcdefabcdefabcdefabcdefabcdefabcdef";

    public static string Directory { get; } = Locate();

    /// <summary>The transcript <c>vpncmd-NAME.txt</c>.</summary>
    public static string Vpncmd(string name) => System.IO.File.ReadAllText(Path.Combine(Directory, $"vpncmd-{name}.txt"));

    public static string Text(string name) => System.IO.File.ReadAllText(Path.Combine(Directory, name));

    private static string Locate([CallerFilePath] string source = "")
    {
        var beside = Path.Combine(Path.GetDirectoryName(source) ?? "", "Fixtures");
        if (System.IO.File.Exists(Path.Combine(beside, "README.md")))
            return beside;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "Mnigs.Tests", "Tunnels", "SoftEther", "Fixtures");
            if (System.IO.File.Exists(Path.Combine(candidate, "README.md")))
                return candidate;
        }
        throw new DirectoryNotFoundException($"the SoftEther fixtures are not at {beside}");
    }
}

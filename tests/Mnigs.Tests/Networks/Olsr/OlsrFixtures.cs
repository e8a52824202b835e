using System.Runtime.CompilerServices;

namespace Mnigs.Tests.Networks.Olsr;

/// <summary>
/// What olsrd's jsoninfo plugin answered, one file per node and endpoint: <c>[SET-]NODE-ENDPOINT.json</c>
/// (Fixtures/README.md says which olsrd recorded which set, and which files are written by hand). The files
/// are read where they are in the source tree.
/// </summary>
internal static class OlsrFixtures
{
    /// <summary>The recorded nodes: olsrd pre-0.9.9 IPv4 and IPv6, olsrd 0.6.8.1 IPv4 and IPv6.</summary>
    public static readonly string[] RecordedNodes = ["o1", "o2", "ipv6-o1", "ipv6-o3", "v068-o1", "v068-o3", "v068ipv6-o1"];

    public static string Directory { get; } = Path.Combine(Path.GetDirectoryName(SourceFile())!, "Fixtures");

    public static string Read(string node, string endpoint) => File.ReadAllText(Path.Combine(Directory, $"{node}-{endpoint}.json"));

    public static bool Exists(string node, string endpoint) => File.Exists(Path.Combine(Directory, $"{node}-{endpoint}.json"));

    /// <summary>Every answer file, recorded or written by hand, by name.</summary>
    public static IEnumerable<string> All() =>
        System.IO.Directory.EnumerateFiles(Directory, "*.json").Select(Path.GetFileName).Order(StringComparer.Ordinal)!;

    /// <summary>olsrd 0.6 sends its answers without HTTP headers.</summary>
    public static bool Headerless(string node) => node.StartsWith("v068", StringComparison.Ordinal);

    private static string SourceFile([CallerFilePath] string path = "") => path;
}

using System.Runtime.CompilerServices;
using Mnigs.Networks.Cjdns;

namespace Mnigs.Tests.Networks.Cjdns;

/// <summary>
/// Datagrams recorded from a real cjdroute (cjdns v20.7) in the lab: two nodes peered over Ethernet beacons,
/// admin password <c>NONE</c>; see Fixtures/README.md (a copy of ../shared/fixtures/cjdns-admin). Each
/// <c>NAME.request.benc</c> is the datagram sent to the admin port, <c>NAME.response.benc</c> the one that came back.
/// The files sit beside the tests' source, found from this file's own path.
/// </summary>
internal static class CjdnsFixtures
{
    public const string Password = "NONE";

    /// <summary>The cookie cjdroute gave for the node-* calls (node 1), node-gw-* and node-sub-*, and node-sub2-*.</summary>
    public const string NodeCookie = "1753476161";
    public const string GwCookie = "1753476167";
    public const string Sub2Cookie = "1753476170";
    public const string WrongPasswordCookie = "1753476205";

    public const string Node1Key = "udlsh4xs3j8f1h2lg2xbnkrfkclsdvzycbl8t33zv9fq57mhpzy0.k";
    public const string Node2Key = "54f6kx0pktufkvb9fj22w1lurctfg30zuvbccvsff73fphzw75l0.k";
    public const string Node1 = "fcb6:70b2:6463:3112:b5d7:cf8d:24e0:4f2c";
    public const string Node2 = "fca4:b4ec:0da0:f1e6:f16d:a20c:5150:6594";

    public static string Directory { get; } = Locate();

    public static byte[] Request(string name) => File.ReadAllBytes(Path.Combine(Directory, name + ".request.benc"));

    public static byte[] Response(string name) => File.ReadAllBytes(Path.Combine(Directory, name + ".response.benc"));

    public static string? ResponseJson(string name) =>
        File.Exists(Path.Combine(Directory, name + ".response.json")) ? File.ReadAllText(Path.Combine(Directory, name + ".response.json")) : null;

    /// <summary>Every recorded exchange by name (<c>node-01-Core_nodeInfo</c>), in order.</summary>
    public static IReadOnlyList<string> Names { get; } =
        [.. System.IO.Directory.EnumerateFiles(Directory, "*.request.benc").Select(f => Path.GetFileName(f)[..^".request.benc".Length]).Order(StringComparer.Ordinal)];

    /// <summary>Every recorded datagram, requests and responses.</summary>
    public static IEnumerable<byte[]> AllDatagrams() =>
        System.IO.Directory.EnumerateFiles(Directory, "*.benc").Order(StringComparer.Ordinal).Select(File.ReadAllBytes);

    /// <summary>The exchanges recorded on node 1 (node-NN-* and node-gw-*) and on node 2 (node-sub-*, node-sub2-*).</summary>
    public static IEnumerable<string> OnNode(int node) => Names.Where(n => node == 1
        ? n.StartsWith("node-0", StringComparison.Ordinal) || n.StartsWith("node-gw-", StringComparison.Ordinal)
        : n.StartsWith("node-sub", StringComparison.Ordinal));

    public static BencDictionary Decoded(byte[] datagram) => (BencDictionary)Bencode.Decode(datagram);

    private static string Locate([CallerFilePath] string source = "")
    {
        var beside = Path.Combine(Path.GetDirectoryName(source) ?? "", "Fixtures");
        if (File.Exists(Path.Combine(beside, "README.md")))
            return beside;
        // Built elsewhere (a path map): look up from the test binaries for the source tree.
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "Mnigs.Tests", "Networks", "Cjdns", "Fixtures");
            if (File.Exists(Path.Combine(candidate, "README.md")))
                return candidate;
        }
        throw new DirectoryNotFoundException($"the cjdns fixtures are not at {beside}");
    }
}

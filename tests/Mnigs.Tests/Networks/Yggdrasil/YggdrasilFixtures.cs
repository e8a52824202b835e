namespace Mnigs.Tests.Networks.Yggdrasil;

/// <summary>
/// What yggdrasil said on its admin socket, one file per answer: <c>SET-NODE.REQUEST.json</c>.
/// <c>fresh-*</c> and <c>line-*</c> were recorded from real yggdrasil 0.4.7 in the lab mesh (lab/ygg-mesh.sh:
/// ysub — yrel — ygw; re-record with Fixtures/yggdrasil/record.sh). <c>v05-*</c> were NOT recorded: they are
/// written by hand from yggdrasil-go 0.5's source (src/admin/getself.go, getpeers.go, gettree.go, getpaths.go,
/// getsessions.go and admin.go, tag v0.5.14), for a node ysub whose tree also holds a fourth node.
/// </summary>
internal static class YggdrasilFixtures
{
    public static string Directory => Path.Combine(AppContext.BaseDirectory, "Fixtures", "yggdrasil");

    public static string Read(string node, string request) => File.ReadAllText(Path.Combine(Directory, $"{node}.{request}.json"));

    public static bool Exists(string node, string request) => File.Exists(Path.Combine(Directory, $"{node}.{request}.json"));

    /// <summary>Every recorded and hand-written answer file.</summary>
    public static IEnumerable<string> All() => System.IO.Directory.EnumerateFiles(Directory, "*.json").Order(StringComparer.Ordinal);

    /// <summary>The names, keys and addresses of the recorded nodes (the same in fresh-* and line-*).</summary>
    public static class Recorded
    {
        public const string SubKey = "b357fdcddef3ae05c7d8a3ce4aee3cd9c94dd428a418d7605a697bcd8042dde4";
        public const string RelKey = "c7d7821610bbb7a6c257f8e0a40603193550ce5e3c15df276c901304b98886a7";
        public const string GwKey = "1eb45e6bd8d410e3774f05f41de184898878811f57a6590dad3d4b9691daf421";
        public const string Sub = "200:9950:464:4218:a3f4:704e:b863:6a23";
        public const string Rel = "200:7050:fbd3:de88:90b2:7b50:e3e:b7f3";
        public const string Gw = "203:14ba:1942:72be:f1c8:8b0f:a0be:21e7";

        /// <summary>Which recorded node has the key, for answering debug_remoteGetPeers.</summary>
        public static string? NodeOf(string key) => key switch
        {
            SubKey => "ysub",
            RelKey => "yrel",
            GwKey => "ygw",
            _ => null,
        };
    }

    /// <summary>The fourth node of the hand-written 0.5 tree (root, not a peer of ysub).</summary>
    public const string V05Root = "204:18b4:7c2c:5a97:ae3:27f4:9c58:1a36";
}

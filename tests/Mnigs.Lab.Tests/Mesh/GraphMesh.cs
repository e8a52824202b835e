namespace Mnigs.Lab.Tests.Mesh;

/// <summary>
/// A lab mesh of any shape (lab/mesh.sh graph): one namespace per node, babeld on every link, an
/// internet namespace behind each gateway, and an Mnigs daemon per node that the test starts when it
/// wants. Every daemon runs with periodic scans off, so scans happen only when the test asks.
/// Disposal stops the daemons and removes the mesh.
/// </summary>
public sealed class GraphMesh : IAsyncDisposable
{
    public const string InternetHost = "203.0.113.10";

    /// <summary>
    /// The standard discovery mesh: a ring of eight with the chord n2—n6, gateways n3 and n7 on opposite
    /// sides. n1 and n5 are the nodes next to no gateway (two hops from each).
    /// </summary>
    public const string Standard8 =
        "nodes=n1,n2,n3,n4,n5,n6,n7,n8 links=n1-n2,n2-n3,n3-n4,n4-n5,n5-n6,n6-n7,n7-n8,n8-n1,n2-n6 gateways=n3,n7";

    private readonly Dictionary<string, LabNode> _nodes = [];

    private GraphMesh(string prefix, IReadOnlyList<string> names, IReadOnlyList<(string A, string B)> links, IReadOnlyList<string> gateways)
    {
        Prefix = prefix;
        StateRoot = Path.Combine("/run/mnigs-lab", prefix);
        Names = names;
        Links = links;
        Gateways = gateways;
    }

    public string Prefix { get; }
    public string StateRoot { get; }

    /// <summary>Node names in spec order: node K (from 1) has mesh addresses 10.78.0.K and fd78::K.</summary>
    public IReadOnlyList<string> Names { get; }

    public IReadOnlyList<(string A, string B)> Links { get; }
    public IReadOnlyList<string> Gateways { get; }

    /// <summary>
    /// Builds the mesh of <paramref name="spec"/> (lab/mesh.sh's syntax), waits until babel routes every
    /// node to every other, serves /big.bin in each internet namespace, and starts the daemons of
    /// <paramref name="start"/> (every node when null). <paramref name="extraConfig"/> adds config text per node.
    /// </summary>
    public static async Task<GraphMesh> StartAsync(string spec, IEnumerable<string>? start = null, Func<string, string>? extraConfig = null)
    {
        Shell.RequireLab("ip", "babeld", "wireguard-go", "wg", "nft", "curl", "ping", "python3", "dotnet");
        var (names, links, gateways) = Parse(spec);
        var mesh = new GraphMesh("lab" + Random.Shared.Next(0, 0xFFFFF).ToString("x5"), names, links, gateways);
        try
        {
            await Script(TimeSpan.FromSeconds(180), "graph", mesh.Prefix, spec);
            await Script(TimeSpan.FromSeconds(150), "wait-graph", mesh.Prefix, "120");
            if (gateways.Count > 0)
                await Script(TimeSpan.FromSeconds(60), "serve-graph", mesh.Prefix);
            foreach (var name in names)
                mesh._nodes[name] = new LabNode(mesh.Prefix, name, mesh.StateRoot, mesh.ConfigOf(name) + extraConfig?.Invoke(name));
            await mesh.StartNodesAsync([.. start ?? names]);
            return mesh;
        }
        catch
        {
            await mesh.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts the daemons of these nodes (together) and waits until each answers status.</summary>
    public Task StartNodesAsync(params string[] names) => Task.WhenAll(names.Select(n => Node(n).StartAsync()));

    public LabNode Node(string name) =>
        _nodes.TryGetValue(name, out var node) ? node : throw new ArgumentException($"no node {name} in this mesh", nameof(name));

    public LabNode this[string name] => Node(name);

    public string MeshAddress(string name) => $"10.78.0.{Number(name)}";

    public string MeshAddress6(string name) => $"fd78::{Number(name)}";

    /// <summary>The node whose mesh address (IPv4 or IPv6) this is, or null.</summary>
    public string? NodeAt(string address) =>
        Names.FirstOrDefault(n => address == MeshAddress(n) || address == MeshAddress6(n));

    /// <summary>The internet namespace's end of a gateway's uplink: its default route and DNS server.</summary>
    public string UplinkPeer(string gateway) => $"198.51.100.{4 * GatewayNumber(gateway) - 2}";

    public string InternetNamespace(string gateway) => $"{Prefix}-{gateway}i";

    public string Logs => string.Join('\n', _nodes.Values.Where(n => n.Log.Length > 0).Select(n => $"--- {n.Role} ---\n{n.Log}"));

    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(_nodes.Values.Select(n => n.DisposeAsync().AsTask()));
        await Shell.RunAsync("bash", [LabMesh.Script, "down", Prefix], TimeSpan.FromSeconds(120));
    }

    private string ConfigOf(string name)
    {
        var config = "[daemon]\nscanInterval = 0\n";
        if (Gateways.Contains(name))
            config += $"[gateway]\nenabled = yes\ndns = {UplinkPeer(name)}\n";
        return config;
    }

    private int Number(string name)
    {
        var index = Names.ToList().IndexOf(name);
        return index >= 0 ? index + 1 : throw new ArgumentException($"no node {name} in this mesh", nameof(name));
    }

    private int GatewayNumber(string gateway)
    {
        var index = Gateways.ToList().IndexOf(gateway);
        return index >= 0 ? index + 1 : throw new ArgumentException($"{gateway} is not a gateway of this mesh", nameof(gateway));
    }

    /// <summary>The spec's words as lab/mesh.sh reads them (the script checks them thoroughly).</summary>
    private static (List<string> Names, List<(string, string)> Links, List<string> Gateways) Parse(string spec)
    {
        List<string> names = [], gateways = [];
        List<(string, string)> links = [];
        foreach (var word in spec.Split((char[])[' ', '\t', '\n'], StringSplitOptions.RemoveEmptyEntries))
        {
            var (key, value) = word.IndexOf('=') is var eq and > 0 ? (word[..eq], word[(eq + 1)..]) : throw new ArgumentException($"bad spec word '{word}'", nameof(spec));
            var items = value.Split(',', StringSplitOptions.RemoveEmptyEntries);
            switch (key)
            {
                case "nodes":
                    names.AddRange(items);
                    break;
                case "links":
                    links.AddRange(items.Select(l => l.Split('-') is [var a, var b] ? (a, b) : throw new ArgumentException($"bad link '{l}'", nameof(spec))));
                    break;
                case "gateways":
                    gateways.AddRange(items);
                    break;
                default:
                    throw new ArgumentException($"unknown spec key '{key}'", nameof(spec));
            }
        }
        return (names, links, gateways);
    }

    private static async Task Script(TimeSpan timeout, params string[] args)
    {
        var r = await Shell.RunAsync("bash", [LabMesh.Script, .. args], timeout);
        if (r.ExitCode != 0)
            throw new InvalidOperationException($"mesh.sh {string.Join(' ', args)} failed ({r.ExitCode}): {r.All}");
    }
}

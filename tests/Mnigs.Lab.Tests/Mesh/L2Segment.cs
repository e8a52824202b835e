namespace Mnigs.Lab.Tests.Mesh;

/// <summary>
/// One lab/l2-mesh.sh segment: namespaces PREFIX-sw (the bridge), PREFIX-gw, PREFIX-inet and PREFIX-sN, and an
/// Mnigs daemon per node with babel off and layer2 on its segment interface. Removed on dispose.
/// </summary>
public sealed class L2Segment : IAsyncDisposable
{
    private readonly Dictionary<string, LabNode> _nodes = [];
    private readonly string _extraConfig;

    private L2Segment(string prefix, string extraConfig)
    {
        Prefix = prefix;
        _extraConfig = extraConfig;
        StateRoot = Path.Combine("/run/mnigs-lab", prefix);
    }

    public string Prefix { get; }
    public string StateRoot { get; }
    public LabNode Gw => _nodes["gw"];
    public LabNode this[string role] => _nodes[role];

    public string Namespace(string role) => $"{Prefix}-{role}";

    public static string ScriptPath => System.IO.Path.Combine(Shell.RepoRoot(), "lab", "l2-mesh.sh");

    /// <param name="extraConfig">Config every daemon gets besides layer2's (e.g. a tunnel turned on).</param>
    /// <param name="stem">Start of the per-run prefix, so one test class's leftovers can be told from another's.</param>
    public static async Task<L2Segment> StartAsync(int subscribers, bool startDaemons = true, string extraConfig = "", string stem = "l2")
    {
        Shell.RequireLab("ip", "wireguard-go", "wg", "nft", "curl", "ping", "python3", "dotnet");
        var segment = new L2Segment(stem + Random.Shared.Next(0, 0xFFFFF).ToString("x5"), extraConfig);
        try
        {
            await Script("up", segment.Prefix, subscribers.ToString());
            await Script("wait", segment.Prefix, "30");
            await Script("serve", segment.Prefix);
            if (startDaemons)
            {
                await Task.WhenAll(new[] { "gw" }.Concat(Enumerable.Range(1, subscribers).Select(k => $"s{k}")).Select(role => segment.StartNodeAsync(role)));
            }
            return segment;
        }
        catch
        {
            await segment.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts the daemon of <paramref name="role"/> with layer2 on <paramref name="iface"/> (its segment interface unless given).</summary>
    public async Task<LabNode> StartNodeAsync(string role, string? iface = null)
    {
        var config = $"[babel]\nenabled = no\n[layer2]\nenabled = yes\ninterface = {iface ?? $"{Prefix}-n{role}"}\n[directory]\nsyncInterval = 2\n" + _extraConfig;
        if (role == "gw")
            config += "[gateway]\nenabled = yes\nsubscriberTimeout = 12\ndns = 198.51.100.2\n";
        var node = new LabNode(Prefix, role, StateRoot, config);
        lock (_nodes)
            _nodes[role] = node;
        await node.StartAsync();
        return node;
    }

    public static async Task<string> Script(params string[] args)
    {
        var r = await Shell.RunAsync("bash", [ScriptPath, .. args], TimeSpan.FromSeconds(120));
        if (r.ExitCode != 0)
            throw new InvalidOperationException($"l2-mesh.sh {string.Join(' ', args)} failed ({r.ExitCode}): {r.All}");
        return r.Stdout;
    }

    public string Logs => string.Concat(_nodes.Select(n => $"--- {n.Key} ---\n{n.Value.Log}\n"));

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes.Values)
            await node.DisposeAsync();
        await Shell.RunAsync("bash", [ScriptPath, "down", Prefix], TimeSpan.FromSeconds(60));
    }
}

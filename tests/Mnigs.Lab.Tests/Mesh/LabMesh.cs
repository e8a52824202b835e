namespace Mnigs.Lab.Tests.Mesh;

/// <summary>
/// The standard lab mesh (lab/mesh.sh): sub — relay — gw — inet, babeld on the mesh links, an Mnigs
/// daemon on sub, relay and gw. Namespaces carry a per-run prefix and are removed on dispose.
/// </summary>
public sealed class LabMesh : IAsyncDisposable
{
    public const string GatewayMesh = "10.77.0.3";
    public const string RelayMesh = "10.77.0.2";
    public const string SubscriberMesh = "10.77.0.1";
    public const string InternetHost = "203.0.113.10";
    public const string InternetHost6 = "2001:db8:203::10";

    private LabMesh(string prefix)
    {
        Prefix = prefix;
        StateRoot = Path.Combine("/run/mnigs-lab", prefix);
    }

    public string Prefix { get; }
    public string StateRoot { get; }
    public LabNode Sub { get; private set; } = null!;
    public LabNode Relay { get; private set; } = null!;
    public LabNode Gw { get; private set; } = null!;

    /// <summary>With yggdrasil on (StartAsync's <c>yggdrasil</c>): each node's Yggdrasil address (200::/7); else "".</summary>
    public string SubYggdrasil { get; private set; } = "";
    public string RelayYggdrasil { get; private set; } = "";
    public string GwYggdrasil { get; private set; } = "";

    public static string Script => Path.Combine(Shell.RepoRoot(), "lab", "mesh.sh");

    /// <summary>
    /// Builds the mesh, waits for babel to converge, starts the three daemons. With <paramref name="yggdrasil"/>
    /// yggdrasil runs beside babeld in sub, relay and gw (lab/mesh.sh up --yggdrasil), the wait also covers it, and
    /// each daemon has yggdrasil enabled through its node's admin socket (babel stays on).
    /// </summary>
    public static async Task<LabMesh> StartAsync(string gatewayExtra = "", string subExtra = "", bool yggdrasil = false)
    {
        Shell.RequireLab(["ip", "babeld", "wireguard-go", "wg", "nft", "curl", "ping", "python3", "dotnet", .. yggdrasil ? new[] { "yggdrasil" } : []]);
        var prefix = "lab" + Random.Shared.Next(0, 0xFFFFF).ToString("x5");
        var mesh = new LabMesh(prefix);
        try
        {
            await Mesh(yggdrasil ? ["up", prefix, "--yggdrasil"] : ["up", prefix]);
            await Mesh("wait", prefix, "60");
            await Mesh("serve", prefix);
            if (yggdrasil)
            {
                mesh.SubYggdrasil = (await Mesh("ygg-addr", prefix, "sub")).Trim();
                mesh.RelayYggdrasil = (await Mesh("ygg-addr", prefix, "relay")).Trim();
                mesh.GwYggdrasil = (await Mesh("ygg-addr", prefix, "gw")).Trim();
            }
            string Ygg(string role) => yggdrasil ? $"[yggdrasil]\nenabled = yes\nadminEndpoint = unix://{mesh.StateRoot}/{role}-ygg.sock\n" : "";
            mesh.Gw = new LabNode(prefix, "gw", mesh.StateRoot, Ygg("gw") + "[gateway]\nenabled = yes\nsubscriberTimeout = 12\ndns = 198.51.100.2\n" + gatewayExtra);
            mesh.Relay = new LabNode(prefix, "relay", mesh.StateRoot, Ygg("relay"));
            mesh.Sub = new LabNode(prefix, "sub", mesh.StateRoot, Ygg("sub") + subExtra);
            await Task.WhenAll(mesh.Gw.StartAsync(), mesh.Relay.StartAsync(), mesh.Sub.StartAsync());
            return mesh;
        }
        catch
        {
            await mesh.DisposeAsync();
            throw;
        }
    }

    public static async Task<string> Mesh(params string[] args)
    {
        var r = await Shell.RunAsync("bash", [Script, .. args], TimeSpan.FromSeconds(120));
        if (r.ExitCode != 0)
            throw new InvalidOperationException($"mesh.sh {string.Join(' ', args)} failed ({r.ExitCode}): {r.All}");
        return r.Stdout;
    }

    public string Logs => $"--- gw ---\n{Gw?.Log}\n--- relay ---\n{Relay?.Log}\n--- sub ---\n{Sub?.Log}";

    public async ValueTask DisposeAsync()
    {
        foreach (var node in new[] { Sub, Relay, Gw })
            if (node is not null)
                await node.DisposeAsync();
        await Shell.RunAsync("bash", [Script, "down", Prefix], TimeSpan.FromSeconds(60));
    }
}

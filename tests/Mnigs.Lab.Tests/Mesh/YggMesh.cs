namespace Mnigs.Lab.Tests.Mesh;

/// <summary>
/// The Yggdrasil lab mesh (lab/ygg-mesh.sh): ysub — yrel — ygw — yinet, yggdrasil on the mesh links (peering by
/// link-local multicast), an Mnigs daemon on ysub, yrel and ygw with babel off and yggdrasil on. Namespaces carry
/// a per-run prefix starting with "ylab" and are removed on dispose.
/// </summary>
public sealed class YggMesh : IAsyncDisposable
{
    public const string InternetHost = "203.0.113.10";

    private YggMesh(string prefix)
    {
        Prefix = prefix;
        StateRoot = Path.Combine("/run/mnigs-lab", prefix);
    }

    public string Prefix { get; }
    public string StateRoot { get; }
    public LabNode Sub { get; private set; } = null!;
    public LabNode Relay { get; private set; } = null!;
    public LabNode Gw { get; private set; } = null!;

    /// <summary>Yggdrasil addresses (200::/7), derived by yggdrasil from each node's key.</summary>
    public string SubAddress { get; private set; } = "";
    public string RelayAddress { get; private set; } = "";
    public string GwAddress { get; private set; } = "";

    /// <summary>Seconds from `up` until ysub could ping ygw's Yggdrasil address.</summary>
    public double ConvergedAfter { get; private set; }

    public static string Script => Path.Combine(Shell.RepoRoot(), "lab", "ygg-mesh.sh");

    /// <summary>Builds the mesh, waits for yggdrasil to converge, starts the three daemons.</summary>
    public static async Task<YggMesh> StartAsync(string gatewayExtra = "", string subExtra = "")
    {
        Shell.RequireLab("ip", "yggdrasil", "wireguard-go", "wg", "nft", "curl", "ping", "python3", "dotnet");
        var prefix = "ylab" + Random.Shared.Next(0, 0xFFFFF).ToString("x5");
        var mesh = new YggMesh(prefix);
        try
        {
            await Mesh("up", prefix);
            mesh.ConvergedAfter = double.Parse((await Mesh("wait", prefix, "60")).Trim(), System.Globalization.CultureInfo.InvariantCulture);
            await Mesh("serve", prefix);
            mesh.SubAddress = (await Mesh("addr", prefix, "ysub")).Trim();
            mesh.RelayAddress = (await Mesh("addr", prefix, "yrel")).Trim();
            mesh.GwAddress = (await Mesh("addr", prefix, "ygw")).Trim();
            mesh.Gw = new LabNode(prefix, "ygw", mesh.StateRoot,
                mesh.YggdrasilConfig("ygw") + "[gateway]\nenabled = yes\nsubscriberTimeout = 12\ndns = 198.51.100.2\n" + gatewayExtra);
            mesh.Relay = new LabNode(prefix, "yrel", mesh.StateRoot, mesh.YggdrasilConfig("yrel"));
            mesh.Sub = new LabNode(prefix, "ysub", mesh.StateRoot, mesh.YggdrasilConfig("ysub") + subExtra);
            await Task.WhenAll(mesh.Gw.StartAsync(), mesh.Relay.StartAsync(), mesh.Sub.StartAsync());
            return mesh;
        }
        catch
        {
            await mesh.DisposeAsync();
            throw;
        }
    }

    /// <summary>Babel off, yggdrasil on through this node's own admin socket.</summary>
    public string YggdrasilConfig(string role) =>
        $"[babel]\nenabled = no\n[yggdrasil]\nenabled = yes\nadminEndpoint = unix://{StateRoot}/{role}.sock\n";

    public static async Task<string> Mesh(params string[] args)
    {
        var r = await Shell.RunAsync("bash", [Script, .. args], TimeSpan.FromSeconds(120));
        if (r.ExitCode != 0)
            throw new InvalidOperationException($"ygg-mesh.sh {string.Join(' ', args)} failed ({r.ExitCode}): {r.All}");
        return r.Stdout;
    }

    public string Logs => $"--- ygw ---\n{Gw?.Log}\n--- yrel ---\n{Relay?.Log}\n--- ysub ---\n{Sub?.Log}";

    public async ValueTask DisposeAsync()
    {
        foreach (var node in new[] { Sub, Relay, Gw })
            if (node is not null)
                await node.DisposeAsync();
        await Shell.RunAsync("bash", [Script, "down", Prefix], TimeSpan.FromSeconds(60));
    }
}

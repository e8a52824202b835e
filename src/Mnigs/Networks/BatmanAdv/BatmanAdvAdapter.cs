using System.Diagnostics;
using System.Net;
using Mnigs.Platform;

namespace Mnigs.Networks.BatmanAdv;

/// <summary>
/// Network <c>batman-adv</c>: reads the kernel's batman-adv through batctl (2019.3 and later, <c>meshif bat0</c>
/// syntax; Debian 12 ships 2023.0; tables as batctl's originators.c, neighbors.c, gateways.c, transglobal.c and
/// interface.c print them, see batctl(8)) and iproute2 (<c>ip -j</c>), through the command runner. Reads only;
/// never changes batman-adv or the host. batman-adv is layer 2, so nodes are MAC addresses; they become mesh IP
/// addresses through bat0's neighbour table and batman-adv's translation table (see <see cref="BatmanAdvMesh"/>).
/// The query methods throw <see cref="BatctlException"/> (an <see cref="IOException"/>) when batman-adv cannot be
/// read; <see cref="CheckAsync"/> returns the same message as a value.
/// </summary>
public sealed class BatmanAdvAdapter(BatmanAdvOptions options, ICommandRunner runner, ILogger<BatmanAdvAdapter> log) : INetworkAdapter
{
    /// <summary>A reading is reused this long, so a burst of questions (a scan, peers' meshNeighbours) costs one.</summary>
    private static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(2);

    /// <summary>batman-adv's gateways are DHCP gateways for the whole mesh: an IPv4 Internet exit.</summary>
    private const string GatewayPrefix = "0.0.0.0/0";

    private readonly BatmanAdvReader _reader = new(options, runner);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private (long At, BatmanAdvMesh Mesh)? _cache;
    private int _warnedAboutSkippedLines;

    public string Name => "batman-adv";

    public async Task<AdapterHealth> CheckAsync(CancellationToken ct)
    {
        try
        {
            var mesh = await MeshAsync(ct);
            if (!mesh.Up)
                return AdapterHealth.Unavailable($"{mesh.MeshInterface} is down: ip link set {mesh.MeshInterface} up");
            if (mesh.MyAddresses.Count == 0)
                return AdapterHealth.Unavailable(
                    $"{mesh.MeshInterface} has no IP address: give it this node's mesh address (ip address add <address>/<prefix length> dev {mesh.MeshInterface})");
            return AdapterHealth.Ok(mesh.Describe());
        }
        catch (BatctlException e)
        {
            log.LogDebug("batman-adv check failed: {Reason}", e.Message);
            return AdapterHealth.Unavailable(e.Message);
        }
    }

    /// <summary>The mesh as batctl and ip show it now, or at most two seconds ago.</summary>
    public async Task<BatmanAdvMesh> MeshAsync(CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            if (_cache is { } cached && Stopwatch.GetElapsedTime(cached.At) < CacheFor)
                return cached.Mesh;
            var (mesh, skipped) = await _reader.ReadAsync(ct);
            foreach (var (table, count, first) in skipped)
            {
                // Once at warning level: a newer batctl would otherwise repeat it on every poll.
                var level = Interlocked.Exchange(ref _warnedAboutSkippedLines, 1) == 0 ? LogLevel.Warning : LogLevel.Debug;
                log.Log(level, "batctl {Table} had {Skipped} lines Mnigs could not read, the first: {Line}", table, count, first);
            }
            log.LogDebug("batman-adv on {Mesh}: {Originators} originators ({Unknown} without IP), {Neighbours} neighbours, {Gateways} gateways",
                mesh.MeshInterface, mesh.Nodes.Count, mesh.NodesWithoutAddress, mesh.Neighbours.Count, mesh.Gateways.Count);
            _cache = (Stopwatch.GetTimestamp(), mesh);
            return mesh;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>This node's global addresses on the mesh interface.</summary>
    public async Task<IReadOnlyList<IPAddress>> MyAddressesAsync(CancellationToken ct) => (await MeshAsync(ct)).MyAddresses;

    /// <summary>
    /// batman-adv's direct neighbours whose IP address is known, each with the hard interface it was heard on.
    /// batctl prints no cost for BATMAN_IV neighbours, so there is none.
    /// </summary>
    public async Task<IReadOnlyList<Neighbour>> NeighboursAsync(CancellationToken ct)
    {
        var mesh = await MeshAsync(ct);
        return [.. mesh.Neighbours
            .SelectMany(n => mesh.AddressesOf(n.Address).Select(a => new Neighbour(a, n.Interface, null)))
            .DistinctBy(n => n.Address)];
    }

    public async Task<IReadOnlyList<IPAddress>> NeighbourHostsAsync(CancellationToken ct) =>
        [.. (await NeighboursAsync(ct)).Select(n => n.Address)];

    /// <summary>The IP addresses of every originator that has a known one, best reached first.</summary>
    public async Task<IReadOnlyList<IPAddress>> ReachableHostsAsync(CancellationToken ct)
    {
        var mesh = await MeshAsync(ct);
        return [.. mesh.Nodes.SelectMany(mesh.AddressesOf).Distinct()];
    }

    /// <summary>The gateway list (<c>batctl gwl</c>) with the bandwidth each gateway announces.</summary>
    public async Task<IReadOnlyList<BatmanAdvGateway>> GatewaysAsync(CancellationToken ct) => (await MeshAsync(ct)).Gateways;

    /// <summary>
    /// batman-adv's gateways (<c>batctl gwl</c>) as unmanaged IPv4 exits. The origin is the gateway's IP address when
    /// this host knows it, else null. There is no IP next hop: the next hop is batman-adv's business, below IP.
    /// </summary>
    public async Task<IReadOnlyList<ExitHint>> ExitHintsAsync(CancellationToken ct)
    {
        var mesh = await MeshAsync(ct);
        var hints = new List<ExitHint>();
        foreach (var gateway in mesh.Gateways)
        {
            var origin = mesh.AddressesOf(gateway.Originator).FirstOrDefault();
            log.LogDebug("batman-adv gateway {Gateway} ({Address}) announces {Bandwidth}", gateway.Originator, origin, gateway.Bandwidth);
            hints.Add(new ExitHint(GatewayPrefix, null, origin, mesh.MeshInterface, null));
        }
        return hints;
    }

    /// <summary>batman-adv shows only this node's own neighbours; another node's are not known here.</summary>
    public Task<IReadOnlyList<IPAddress>?> NeighboursOfAsync(IPAddress node, CancellationToken ct) =>
        Task.FromResult<IReadOnlyList<IPAddress>?>(null);
}

using System.Net;
using System.Net.Sockets;

namespace Mnigs.Networks.Babel;

/// <summary>
/// Network <c>babel</c>: reads babeld's state through its local interface (protocol <c>BABEL 1.0</c>,
/// babeld 1.x started with <c>-g PORT</c> or <c>-G PORT</c>; see babeld(8), "LOCAL CONFIGURATION
/// INTERFACE", and local.c). Asks only <c>dump</c>; never changes babeld's configuration.
/// Each call is one short conversation. The query methods throw <see cref="BabelLocalException"/>
/// (an <see cref="IOException"/>) when babeld cannot answer; <see cref="CheckAsync"/> returns the
/// same message as a value.
/// </summary>
public sealed class BabelAdapter(BabelOptions options, ILogger<BabelAdapter> log) : INetworkAdapter
{
    private int _warnedAboutSkippedLines;

    public string Name => "babel";

    public async Task<AdapterHealth> CheckAsync(CancellationToken ct)
    {
        try
        {
            var text = await BabelLocalClient.ConverseAsync(options.Host, options.LocalPort, request: null, options.EffectiveTimeout, ct);
            var greeting = BabelDump.Parse(text);
            return AdapterHealth.Ok($"{greeting.DaemonVersion ?? "babeld"} on {options.Host} port {options.LocalPort}, router id {greeting.RouterId ?? "unknown"}");
        }
        catch (BabelLocalException e)
        {
            log.LogDebug("babeld check failed: {Reason}", e.Message);
            return AdapterHealth.Unavailable(e.Message);
        }
    }

    private static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(1);
    private readonly Lock _cacheGate = new();
    private (long At, BabelDump Dump)? _cache;

    /// <summary>
    /// babeld's whole state: interfaces, neighbours, redistributed routes (xroutes) and learned routes.
    /// A dump is reused for a second, so a burst of peers' meshNeighbours calls costs babeld one conversation.
    /// </summary>
    public async Task<BabelDump> DumpAsync(CancellationToken ct)
    {
        lock (_cacheGate)
        {
            if (_cache is { } cached && System.Diagnostics.Stopwatch.GetElapsedTime(cached.At) < CacheFor)
                return cached.Dump;
        }
        var fresh = await FetchDumpAsync(ct);
        lock (_cacheGate)
            _cache = (System.Diagnostics.Stopwatch.GetTimestamp(), fresh);
        return fresh;
    }

    private async Task<BabelDump> FetchDumpAsync(CancellationToken ct)
    {
        var text = await BabelLocalClient.ConverseAsync(options.Host, options.LocalPort, "dump", options.EffectiveTimeout, ct);
        var dump = BabelDump.Parse(text);
        if (dump.SkippedLines > 0)
        {
            // Once at warning level: a newer babeld would otherwise repeat it on every poll.
            var level = Interlocked.Exchange(ref _warnedAboutSkippedLines, 1) == 0 ? LogLevel.Warning : LogLevel.Debug;
            log.Log(level, "babeld dump had {Skipped} lines Mnigs could not read, the first: {Line}", dump.SkippedLines, dump.FirstSkippedLine);
        }
        log.LogDebug("babeld dump: {Neighbours} neighbours, {Routes} routes, {Xroutes} xroutes",
            dump.Neighbours.Count, dump.Routes.Count, dump.Xroutes.Count);
        return dump;
    }

    /// <summary>The configured address, else the host routes (/32, /128) this node redistributes into babel.</summary>
    public async Task<IReadOnlyList<IPAddress>> MyAddressesAsync(CancellationToken ct)
    {
        if (options.Address is { } configured)
            return [configured];
        return OwnHostAddresses(await DumpAsync(ct));
    }

    /// <summary>Neighbours babeld can still reach (cost below infinity), usually by their link-local address.</summary>
    public async Task<IReadOnlyList<Neighbour>> NeighboursAsync(CancellationToken ct)
    {
        var dump = await DumpAsync(ct);
        return [.. dump.Neighbours.Where(n => n.Reachable).Select(n => new Neighbour(n.Address, n.Interface, n.Cost))];
    }

    /// <summary>Installed host routes, nearest (lowest metric) first.</summary>
    public async Task<IReadOnlyList<IPAddress>> ReachableHostsAsync(CancellationToken ct)
    {
        var dump = await DumpAsync(ct);
        var own = OwnHostAddresses(dump).ToHashSet();
        if (options.Address is { } configured)
            own.Add(configured);
        return [.. dump.Routes
            .Where(r => r.Installed && r.IsHostRoute && r.Metric < BabelNeighbour.Infinity)
            .OrderBy(r => r.Metric)
            .Select(r => r.Prefix.BaseAddress)
            .Where(a => !own.Contains(a))
            .Distinct()];
    }

    /// <summary>
    /// Host routes a neighbour originates itself (refmetric 0): the neighbours' own mesh addresses. Installed
    /// or not: for a while after convergence babeld may still route a neighbour the long way round.
    /// </summary>
    public async Task<IReadOnlyList<IPAddress>> NeighbourHostsAsync(CancellationToken ct)
    {
        var dump = await DumpAsync(ct);
        return [.. dump.Routes
            .Where(r => r.IsHostRoute && r.RefMetric == 0 && r.Metric < BabelNeighbour.Infinity)
            .Select(r => r.Prefix.BaseAddress)
            .Distinct()];
    }

    /// <summary>
    /// Installed default routes (0.0.0.0/0, ::/0). Babel names their origin by router id only; when the
    /// same router also announces a host route, that address is the origin.
    /// </summary>
    public async Task<IReadOnlyList<ExitHint>> ExitHintsAsync(CancellationToken ct)
    {
        var dump = await DumpAsync(ct);
        return [.. dump.Routes
            .Where(r => r.Installed && r.IsDefaultRoute && r.Metric < BabelNeighbour.Infinity)
            .Select(r => new ExitHint(r.Prefix.ToString(), r.Via, OriginOf(dump, r), r.Interface, r.Metric))];
    }

    private static List<IPAddress> OwnHostAddresses(BabelDump dump) =>
        [.. dump.Xroutes.Where(x => x.IsHostRoute).Select(x => x.Prefix.BaseAddress).Distinct()];

    /// <summary>A host address announced by the router that originates <paramref name="exit"/>, same family first.</summary>
    private static IPAddress? OriginOf(BabelDump dump, BabelRoute exit)
    {
        var family = exit.Prefix.BaseAddress.AddressFamily;
        return dump.Routes
            .Where(r => r.RouterId == exit.RouterId && r.IsHostRoute)
            .OrderBy(r => r.Prefix.BaseAddress.AddressFamily == family ? 0 : 1)
            .ThenBy(r => r.Installed ? 0 : 1)
            .Select(r => r.Prefix.BaseAddress)
            .FirstOrDefault();
    }
}

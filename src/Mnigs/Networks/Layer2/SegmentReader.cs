using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Mnigs.Platform;

namespace Mnigs.Networks.Layer2;

/// <summary>
/// Reads the segment's interface and its neighbour table with iproute2 (<c>ip -j addr show dev IFACE</c>,
/// <c>ip -j neigh show dev IFACE</c>) through the command seam. Never changes the host. Answers are reused for
/// a second, so the adapter and the mDNS agent share one run of ip. Throws <see cref="SegmentException"/>
/// with a plain message when the interface is missing or ip fails.
/// </summary>
public sealed class SegmentReader(ICommandRunner runner, string interfaceName)
{
    private static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(5);

    private readonly Lock _gate = new();
    private (long At, SegmentLink Link)? _link;
    private (long At, IReadOnlyList<IPAddress> Hosts)? _neighbours;

    /// <summary>The configured interface; empty when [layer2] interface is not set.</summary>
    public string Interface => interfaceName;

    public async Task<SegmentLink> LinkAsync(CancellationToken ct)
    {
        lock (_gate)
        {
            if (_link is { } cached && Stopwatch.GetElapsedTime(cached.At) < CacheFor)
                return cached.Link;
        }
        RequireInterface();
        var json = await RunAsync(["-j", "addr", "show", "dev", interfaceName], ct);
        var link = Parse(() => SegmentLink.Parse(json)) ?? throw Missing();
        lock (_gate)
            _link = (Stopwatch.GetTimestamp(), link);
        return link;
    }

    /// <summary>Addresses of the live entries of the interface's neighbour table.</summary>
    public async Task<IReadOnlyList<IPAddress>> NeighbourTableAsync(CancellationToken ct)
    {
        lock (_gate)
        {
            if (_neighbours is { } cached && Stopwatch.GetElapsedTime(cached.At) < CacheFor)
                return cached.Hosts;
        }
        RequireInterface();
        var json = await RunAsync(["-j", "neigh", "show", "dev", interfaceName], ct);
        var hosts = Parse(() => SegmentNeighbours.Parse(json));
        lock (_gate)
            _neighbours = (Stopwatch.GetTimestamp(), hosts);
        return hosts;
    }

    private void RequireInterface()
    {
        if (interfaceName.Length == 0)
            throw new SegmentException("layer2: no interface set: set [layer2] interface to the interface on the switched segment");
    }

    private async Task<string> RunAsync(string[] arguments, CancellationToken ct)
    {
        CommandResult result;
        try
        {
            result = await runner.RunAsync(new CommandRequest("ip", arguments) { Timeout = CommandTimeout }, ct);
        }
        catch (TimeoutException)
        {
            throw new SegmentException($"layer2: ip {string.Join(' ', arguments)} did not answer in {CommandTimeout.TotalSeconds:0} s");
        }
        if (result.ExitCode == CommandResult.NotFound)
            throw new SegmentException("layer2: the ip command (iproute2) is not installed");
        if (!result.Succeeded)
        {
            if (result.Stderr.Contains("does not exist", StringComparison.OrdinalIgnoreCase)
                || result.Stderr.Contains("Cannot find device", StringComparison.OrdinalIgnoreCase))
                throw Missing();
            var first = result.Stderr.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? $"exit code {result.ExitCode}";
            throw new SegmentException($"layer2: ip {string.Join(' ', arguments)} failed: {first}");
        }
        return result.Stdout;
    }

    private SegmentException Missing() =>
        new($"layer2: interface {interfaceName} does not exist: set [layer2] interface to the interface on the switched segment");

    private static T Parse<T>(Func<T> parse)
    {
        try
        {
            return parse();
        }
        catch (JsonException e)
        {
            throw new SegmentException("layer2: could not read what ip printed: " + e.Message);
        }
    }
}

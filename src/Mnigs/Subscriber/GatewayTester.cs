using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Mnigs.Core.Protocol;
using Mnigs.Core.Selection;
using Mnigs.Discovery;
using Mnigs.Rpc;
using Mnigs.Subscriber.Probing;

namespace Mnigs.Subscriber;

/// <summary>
/// `mnigs-cli test`: measures known gateways on demand. Per gateway: echo probes over the mesh, its
/// nodeInfo, then a short-lived test tunnel (never routed through) with probes through it and, if
/// asked, a download from the gateway's /speedtest to estimate the tunnel's throughput. Mesh probes
/// of up to <see cref="MeshConcurrency"/> gateways run together; test tunnels one at a time, because
/// the autopilot may hold two of the subscriber's three interfaces.
/// </summary>
/// <param name="http">For the speed test; null: a client per test whose sockets are bound to the test tunnel's interface.</param>
public sealed class GatewayTester(SubscriberService subscriber, KnownGateways known, IProber prober, RpcClient rpc, HttpClient? http,
    TimeProvider time, ILogger<GatewayTester> log)
{
    public const int MaxGateways = 16;
    public const int Probes = 10;
    public const int MeshConcurrency = 4;
    public const long SpeedTestBytes = 8 * 1024 * 1024;

    /// <summary>How long one gateway's tunnel test may take at most (bring-up, probes, download, close).</summary>
    public static readonly TimeSpan TunnelTestTimeout = TimeSpan.FromSeconds(25);

    private static readonly TimeSpan ProbeSpacing = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(1);
    // WireGuard handshakes at the first packet: up to four warm-up probes of 500 ms, 2 s in all, before counting.
    private static readonly TimeSpan WarmUpTimeout = TimeSpan.FromMilliseconds(500);
    private const int WarmUpProbes = 4;
    private static readonly TimeSpan SpeedTestWindow = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan SpeedTestConnectTimeout = TimeSpan.FromSeconds(5);

    private readonly SemaphoreSlim _tunnelSlot = new(1, 1);

    /// <summary>
    /// Tests the gateways whose id, name or one of whose addresses is <paramref name="gateway"/>, or every
    /// managed gateway when it is null (at most <see cref="MaxGateways"/>).
    /// </summary>
    public async Task<JsonObject> TestAsync(string? gateway, bool throughput, CancellationToken ct)
    {
        var entries = await known.ListAsync(ct);
        var chosen = (gateway is null ? entries.Where(e => e.Managed) : entries.Where(e => Matches(e, gateway))).Take(MaxGateways).ToList();
        if (gateway is not null && chosen.Count == 0)
            return RpcResult.Fail($"No known gateway has the id, name or address '{gateway}'; list them with mnigs-cli -l");
        using var meshSlots = new SemaphoreSlim(MeshConcurrency, MeshConcurrency);
        var results = await Task.WhenAll(chosen.Select(e => TestOneAsync(e, throughput, meshSlots, ct)));
        return RpcResult.Ok(new JsonObject { ["gateways"] = new JsonArray([.. results]) });
    }

    private static bool Matches(GatewayList.Entry entry, string text)
    {
        if (entry.Id == text || string.Equals(entry.Name, text, StringComparison.OrdinalIgnoreCase))
            return true;
        return IPAddress.TryParse(text, out var wanted)
            && entry.Addresses.Any(a => IPAddress.TryParse(a.Address, out var ip) && ip.Equals(wanted));
    }

    private async Task<JsonObject> TestOneAsync(GatewayList.Entry entry, bool throughput, SemaphoreSlim meshSlots, CancellationToken ct)
    {
        var result = await MeasureAsync(entry, throughput, meshSlots, ct);
        log.LogInformation("Tested gateway {Address} ({Name}): mesh {Mesh}, tunnel {Tunnel}, error {Error}",
            entry.PrimaryAddress, entry.Name, result["mesh"]?.ToJsonString() ?? "-", result["tunnel"]?.ToJsonString() ?? "-",
            result["error"]?.ToString() ?? "none");
        return result;
    }

    private async Task<JsonObject> MeasureAsync(GatewayList.Entry entry, bool throughput, SemaphoreSlim meshSlots, CancellationToken ct)
    {
        var result = new JsonObject
        {
            ["id"] = entry.Id,
            ["name"] = entry.Name,
            ["address"] = entry.PrimaryAddress,
            ["port"] = entry.Port,
            ["reachable"] = false,
            ["mesh"] = null,
            ["nodeInfo"] = false,
            ["load"] = entry.Load,
            ["capacity"] = entry.Capacity,
            ["suites"] = new JsonArray([.. entry.Suites.Select(s => (JsonNode)s)]),
            ["tunnel"] = null,
            ["error"] = null,
        };
        if (!IPAddress.TryParse(entry.PrimaryAddress, out var address))
            return Failed(result, "The gateway has no usable address");

        Series mesh;
        NodeInfoAnswer info;
        await meshSlots.WaitAsync(ct);
        try
        {
            mesh = await ProbeSeriesAsync(address, null, ct);
            info = entry.Managed ? await NodeInfoAsync(address, entry.Port, ct) : new NodeInfoAnswer(null, null);
        }
        finally
        {
            meshSlots.Release();
        }
        result["mesh"] = mesh.Describe();
        // ICMP may be filtered on the way while the daemon answers: either counts as reachable.
        result["reachable"] = mesh.Answered > 0 || info.Reply is not null;

        if (!entry.Managed)
            return Failed(result, "Known only from the routing protocol's exit announcement: there is no Mnigs daemon to test a tunnel with");
        if (info.Reply is not { } reply)
            return Failed(result, $"No answer to nodeInfo: {info.Error}");
        result["nodeInfo"] = true;
        if (reply["load"] is JsonObject load)
        {
            result["load"] = Int(load, "sessions");
            result["capacity"] = Int(load, "capacity");
        }
        if (reply["suites"] is JsonArray suites)
            result["suites"] = new JsonArray([.. suites.Select(s => (JsonNode?)(s is JsonObject o ? o["id"]?.DeepClone() : s?.DeepClone()))]);
        if (reply["gateway"] is not JsonValue g || !g.TryGetValue<bool>(out var serving) || !serving)
            return Failed(result, "It answers but does not serve as a gateway now");

        await _tunnelSlot.WaitAsync(ct);
        try
        {
            await TestTunnelAsync(result, address, entry.Port, throughput, ct);
        }
        finally
        {
            _tunnelSlot.Release();
        }
        return result;
    }

    private async Task TestTunnelAsync(JsonObject result, IPAddress address, int port, bool throughput, CancellationToken ct)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(TunnelTestTimeout);
        try
        {
            var started = time.GetTimestamp();
            var (opened, connection) = await subscriber.OpenAsync(address, port, null, limit.Token, test: true);
            if (connection is null)
            {
                Failed(result, RpcResult.ErrorOf(opened));
                return;
            }
            var up = time.GetElapsedTime(started);
            var tunnel = new JsonObject
            {
                ["suite"] = connection.Suite.Id,
                ["interface"] = connection.Interface,
                ["upMs"] = Math.Round(up.TotalMilliseconds),
                ["sent"] = 0,
                ["lost"] = 0,
                ["loss"] = null,
                ["rttMs"] = null,
                ["throughputMbps"] = null,
            };
            result["tunnel"] = tunnel;
            if ((connection.TunnelGateway4 ?? connection.TunnelGateway6) is not { } target)
            {
                Failed(result, "The gateway named no address of its own inside the tunnel to probe");
                return;
            }

            await WarmUpAsync(target, connection.Interface, limit.Token);
            var series = await ProbeSeriesAsync(target, connection.Interface, limit.Token);
            foreach (var (key, value) in series.Describe())
                tunnel[key] = value?.DeepClone();
            if (series.Answered == 0)
            {
                Failed(result, "No answer through the tunnel");
                return;
            }
            if (throughput)
            {
                var (mbps, error) = await SpeedTestAsync(connection, target, limit.Token);
                tunnel["throughputMbps"] = mbps is { } m ? Math.Round(m, 1) : null;
                if (error is not null)
                    Failed(result, error);
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            Failed(result, $"The tunnel test took longer than {TunnelTestTimeout.TotalSeconds:0} s");
        }
        finally
        {
            await CloseTestTunnelsAsync(address);
        }
    }

    /// <summary>Every test tunnel to this gateway goes, including one whose opening was cut short.</summary>
    private async Task CloseTestTunnelsAsync(IPAddress address)
    {
        foreach (var c in subscriber.Connections.Where(c => c.Test && c.GatewayAddress.Equals(address)))
        {
            try
            {
                await subscriber.CloseAsync(c.Sid, CancellationToken.None);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                log.LogError("Could not close the test tunnel to {Gateway} on {Interface}: {Error}", address, c.Interface, e.Message);
            }
        }
    }

    private async Task<NodeInfoAnswer> NodeInfoAsync(IPAddress address, int port, CancellationToken ct)
    {
        try
        {
            var reply = await rpc.CallAsync(RpcClient.EndpointOf(address, port), "nodeInfo", null, ct);
            return RpcResult.IsSuccess(reply) ? new NodeInfoAnswer(reply, null) : new NodeInfoAnswer(null, RpcResult.ErrorOf(reply));
        }
        catch (RpcClientException e)
        {
            return new NodeInfoAnswer(null, e.Message);
        }
    }

    /// <summary><see cref="Probes"/> echoes, one every 100 ms, each waiting for its own answer (as ping does).</summary>
    private async Task<Series> ProbeSeriesAsync(IPAddress target, string? iface, CancellationToken ct)
    {
        var probes = new List<Task<ProbeResult>>(Probes);
        for (var i = 0; i < Probes; i++)
        {
            if (i > 0)
                await Task.Delay(ProbeSpacing, time, ct);
            probes.Add(prober.ProbeAsync(target, iface, ProbeTimeout, ct));
        }
        return Series.Of(await Task.WhenAll(probes));
    }

    private async Task WarmUpAsync(IPAddress target, string iface, CancellationToken ct)
    {
        for (var i = 0; i < WarmUpProbes; i++)
            if ((await prober.ProbeAsync(target, iface, WarmUpTimeout, ct)).Answered)
                return;
    }

    /// <summary>Downloads from the gateway's /speedtest through the tunnel for about 2 s or <see cref="SpeedTestBytes"/>, whichever comes first.</summary>
    private async Task<(double? Mbps, string? Error)> SpeedTestAsync(Connection connection, IPAddress target, CancellationToken ct)
    {
        var host = target.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{target}]" : target.ToString();
        var uri = new Uri($"http://{host}:{connection.GatewayPort}/speedtest?bytes={SpeedTestBytes}");
        using var own = http is null ? BoundClient(connection.Interface) : null;
        var client = http ?? own!;
        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            using var connecting = CancellationTokenSource.CreateLinkedTokenSource(ct);
            connecting.CancelAfter(SpeedTestConnectTimeout);
            using var response = await client.GetAsync(uri, HttpCompletionOption.ResponseHeadersRead, connecting.Token);
            await using var body = await response.Content.ReadAsStreamAsync(connecting.Token);
            if (!response.IsSuccessStatusCode)
            {
                // The gateway's explanation, but no more of it than fits a line.
                var read = await body.ReadAtLeastAsync(buffer.AsMemory(0, 200), 200, throwOnEndOfStream: false, connecting.Token);
                return (null, $"Speed test refused: HTTP {(int)response.StatusCode} {Encoding.UTF8.GetString(buffer, 0, read).Trim()}");
            }

            long total = 0;
            var started = time.GetTimestamp();
            using var window = CancellationTokenSource.CreateLinkedTokenSource(ct);
            window.CancelAfter(SpeedTestWindow);
            try
            {
                int read;
                while ((read = await body.ReadAsync(buffer, window.Token)) > 0)
                    total += read;
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                // The window closed: what arrived so far is the measurement.
            }
            var elapsed = time.GetElapsedTime(started);
            if (total == 0)
                return (null, "Speed test: no data came through the tunnel");
            return (total * 8 / Math.Max(elapsed.TotalSeconds, 0.001) / 1_000_000, null);
        }
        catch (HttpRequestException e)
        {
            return (null, $"Speed test failed: {e.InnerException?.Message ?? e.Message}");
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return (null, $"Speed test: no answer from {uri.Authority} within {SpeedTestConnectTimeout.TotalSeconds:0} s");
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>An HTTP client whose connections leave through <paramref name="iface"/> (SO_BINDTODEVICE) whatever the routes say.</summary>
    private static HttpClient BoundClient(string iface) => new(new SocketsHttpHandler
    {
        UseProxy = false,
        ConnectCallback = async (context, ct) =>
        {
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                socket.SetRawSocketOption(SolSocket, SoBindToDevice, Encoding.ASCII.GetBytes(iface + "\0"));
                await socket.ConnectAsync(context.DnsEndPoint, ct);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    })
    { Timeout = Timeout.InfiniteTimeSpan };

    private const int SolSocket = 1;      // SOL_SOCKET on Linux
    private const int SoBindToDevice = 25; // SO_BINDTODEVICE on Linux

    private static JsonObject Failed(JsonObject result, string error)
    {
        result["error"] = error;
        return result;
    }

    private static int? Int(JsonObject o, string key) =>
        o[key] is JsonValue v && v.TryGetValue<long>(out var n) && n is >= int.MinValue and <= int.MaxValue ? (int)n : null;

    private sealed record NodeInfoAnswer(JsonObject? Reply, string? Error);

    /// <summary>A series of probes: how many went, how many came back, the median round trip.</summary>
    private sealed record Series(int Sent, int Answered, TimeSpan? Median)
    {
        public static Series Of(IReadOnlyList<ProbeResult> results)
        {
            var rtts = results.Where(r => r.Rtt is not null).Select(r => r.Rtt!.Value).Order().ToList();
            TimeSpan? median = rtts.Count == 0 ? null
                : rtts.Count % 2 == 1 ? rtts[rtts.Count / 2]
                : (rtts[(rtts.Count / 2) - 1] + rtts[rtts.Count / 2]) / 2;
            return new Series(results.Count, rtts.Count, median);
        }

        public JsonObject Describe() => new()
        {
            ["sent"] = Sent,
            ["lost"] = Sent - Answered,
            ["loss"] = Sent == 0 ? null : Math.Round((double)(Sent - Answered) / Sent, 3),
            ["rttMs"] = Median is { } m ? Math.Round(m.TotalMilliseconds, 1) : null,
        };
    }
}

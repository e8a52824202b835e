using Mnigs.Core.Selection;

namespace Mnigs.Subscriber;

/// <summary>
/// What the autopilot measured of one gateway: its probes over the mesh, and, while this node holds
/// a tunnel to it, the probes through that tunnel and whether the tunnel is up. Probe results arrive
/// from many tasks at once, so every access takes the track's lock.
/// </summary>
internal sealed class GatewayTrack(string id, SelectionOptions options)
{
    private readonly object _gate = new();
    private readonly QualityWindow _mesh = new(options);
    private readonly QualityWindow _tunnel = new(options);
    private DownDetector _detector = new(options);
    private string? _tunnelSid;

    public string Id { get; } = id;

    /// <summary>When a gateway list last named it; tracks not named for a while are dropped.</summary>
    public DateTimeOffset LastListed { get; set; }

    public void AddMesh(ProbeResult result)
    {
        lock (_gate)
            _mesh.Add(result);
    }

    /// <summary>Counts a probe through connection <paramref name="sid"/>'s tunnel; a probe of an older tunnel is ignored.</summary>
    public LinkTransition? AddTunnel(string sid, ProbeResult result, DateTimeOffset now)
    {
        lock (_gate)
        {
            if (_tunnelSid != sid)
                return null;
            // Until its first answer the tunnel is still handshaking: those misses are set-up, not loss.
            if (result.Answered || _detector.State != LinkState.Unknown)
                _tunnel.Add(result);
            return _detector.Observe(result, now);
        }
    }

    /// <summary>A new tunnel (or none): its window and state start afresh.</summary>
    public void TunnelOpened(string? sid)
    {
        lock (_gate)
        {
            if (_tunnelSid == sid)
                return;
            _tunnelSid = sid;
            _tunnel.Clear();
            _detector = new DownDetector(options);
        }
    }

    public void RenewFailed(DateTimeOffset now)
    {
        lock (_gate)
            _detector.Hold(Core.Selection.DownReason.RenewFailed, now);
    }

    public void Renewed()
    {
        lock (_gate)
            _detector.Release();
    }

    public string? TunnelSid
    {
        get
        {
            lock (_gate)
                return _tunnelSid;
        }
    }

    public LinkState TunnelState
    {
        get
        {
            lock (_gate)
                return _tunnelSid is null ? LinkState.Unknown : _detector.State;
        }
    }

    /// <summary>Why the tunnel is down; null while it is not.</summary>
    public DownReason? DownReason
    {
        get
        {
            lock (_gate)
                return _tunnelSid is null ? null : _detector.Reason;
        }
    }

    public QualitySummary MeshQuality(DateTimeOffset now)
    {
        lock (_gate)
            return _mesh.Summarize(now);
    }

    public QualitySummary TunnelQuality(DateTimeOffset now)
    {
        lock (_gate)
            return _tunnelSid is null ? default : _tunnel.Summarize(now);
    }
}

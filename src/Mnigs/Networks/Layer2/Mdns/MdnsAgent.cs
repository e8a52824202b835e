using System.Net;
using System.Net.Sockets;

namespace Mnigs.Networks.Layer2.Mdns;

/// <summary>
/// This daemon's mDNS on the segment's interface: announces <c>_mnigs._tcp</c> (twice at start and on every
/// change of address or gateway state, a goodbye at stop), answers queries for it, and browses for the other
/// daemons (queries at start, after 1 s and 3 s, then every 90 s to refresh their 120 s records). Follows the
/// interface: it (re)opens its sockets when the interface appears or comes back with another index.
/// Names are made unique by the node id, so the probing step of RFC 6762 section 8.1 is left out.
/// Sends at most one answer per second per address family, however many queries come in.
/// </summary>
public sealed class MdnsAgent(SegmentReader segment, MdnsIdentity identity, TimeProvider time, ILogger<MdnsAgent> log) : IMdnsPeers
{
    private static readonly TimeSpan Tick = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan ReadLinkEvery = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan RefreshEvery = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan MinAnswerInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan DropLogEvery = TimeSpan.FromSeconds(30);

    private readonly Lock _gate = new();
    private readonly MdnsPeerTable _peers = new();
    private readonly Dictionary<AddressFamily, DateTimeOffset> _lastAnswer = [];
    private volatile string _state = "mDNS is not running yet";
    private volatile string _channelProblems = "";
    private volatile MdnsAnnouncement? _own;
    private volatile SegmentLink? _link;
    private volatile MdnsChannel? _channel;
    private DateTimeOffset _lastDropLog = DateTimeOffset.MinValue;
    private int _dropped;

    public IReadOnlyList<MdnsPeer> Live()
    {
        lock (_gate)
            return _peers.Live(time.GetUtcNow());
    }

    public string Describe()
    {
        var own = _own;
        if (own is null || _channel is null)
            return _state;
        var count = Live().Count;
        return $"mDNS: announced on {segment.Interface}, {count} other {(count == 1 ? "daemon" : "daemons")} seen{_channelProblems}";
    }

    /// <summary>Runs until <paramref name="stop"/>; says goodbye on the way out. <paramref name="isGateway"/> is asked every second.</summary>
    public async Task RunAsync(Func<bool> isGateway, CancellationToken stop)
    {
        if (segment.Interface.Length == 0)
        {
            _state = "mDNS is off: no interface set";
            return;
        }
        var nextLinkRead = DateTimeOffset.MinValue;
        var nextQuery = DateTimeOffset.MinValue;
        var queries = 0;
        DateTimeOffset? repeat = null;
        MdnsAnnouncement? announced = null;
        try
        {
            while (!stop.IsCancellationRequested)
            {
                var now = time.GetUtcNow();
                if (now >= nextLinkRead)
                {
                    nextLinkRead = now + ReadLinkEvery;
                    var link = await ReadLinkAsync(stop);
                    if (link is null)
                    {
                        Close();
                        announced = null;
                    }
                    else if (_channel is null || _channel.Index != link.Index)
                    {
                        Close();
                        announced = null;
                        if (Open(link))
                        {
                            queries = 0;
                            nextQuery = now;
                        }
                    }
                    _link = link;
                }

                if (_channel is { } channel && _link is { } current)
                {
                    var own = MnigsService.For(identity, isGateway(), Announced(current));
                    _own = own;
                    if (announced is null || !own.SameAs(announced))
                    {
                        await SendAsync(channel, MnigsService.Announce(own), null, stop);
                        if (announced is null || announced.Gateway != own.Gateway)
                            log.LogInformation("mDNS: announcing {Instance} on {Interface}, gateway {Gateway}", own.Instance, segment.Interface, own.Gateway ? "yes" : "no");
                        announced = own;
                        repeat = now + Tick;
                    }
                    else if (repeat <= now)
                    {
                        // RFC 6762 section 8.3: a second announcement one second after the first.
                        await SendAsync(channel, MnigsService.Announce(own), null, stop);
                        repeat = null;
                    }
                    if (now >= nextQuery)
                    {
                        IReadOnlyList<(string, uint)> known;
                        lock (_gate)
                            known = _peers.KnownAnswers(now);
                        await SendAsync(channel, MnigsService.Query(known), null, stop);
                        queries++;
                        nextQuery = now + queries switch { 1 => TimeSpan.FromSeconds(1), 2 => TimeSpan.FromSeconds(2), _ => RefreshEvery };
                    }
                }
                await Task.Delay(Tick, time, stop);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        finally
        {
            if (_channel is { } channel && announced is not null)
                await GoodbyeAsync(channel, announced);
            Close();
        }
    }

    /// <summary>The interface when it can carry mDNS (up, with carrier and a usable address); else null, with the reason in the state.</summary>
    private async Task<SegmentLink?> ReadLinkAsync(CancellationToken ct)
    {
        try
        {
            var link = await segment.LinkAsync(ct);
            if (link.Up && link.Carrier && link.Usable.Count > 0)
                return link;
            _state = $"mDNS is waiting for {segment.Interface} to be up with an address";
        }
        catch (SegmentException e)
        {
            _state = "mDNS is waiting: " + e.Message;
        }
        return null;
    }

    private bool Open(SegmentLink link)
    {
        try
        {
            _channel = MdnsChannel.Open(link.Name, link.Index, OnPacket, error => log.LogDebug("mDNS: {Error}", error));
            _channelProblems = _channel.Problems.Count == 0 ? "" : " (" + string.Join("; ", _channel.Problems) + ")";
            foreach (var problem in _channel.Problems)
                log.LogWarning("mDNS on {Interface}: {Problem}", link.Name, problem);
            log.LogInformation("mDNS: listening on {Interface} (index {Index})", link.Name, link.Index);
            return true;
        }
        catch (SocketException e)
        {
            _state = $"mDNS cannot listen on {link.Name}: {e.Message}";
            log.LogWarning("mDNS cannot listen on {Interface}: {Error}", link.Name, e.Message);
            return false;
        }
    }

    private void Close()
    {
        _channel?.Dispose();
        _channel = null;
        _own = null;
        lock (_gate)
            _peers.Clear();
    }

    /// <summary>What the A/AAAA records hold: the usable addresses, then IPv6 link-local (for other mDNS tools).</summary>
    private static IReadOnlyList<IPAddress> Announced(SegmentLink link) =>
        [.. link.Usable.Select(a => a.Address).Concat(link.Addresses.Where(a => a.Address.IsIPv6LinkLocal).Select(a => a.Address)).Distinct().Take(MnigsService.MaxAddresses)];

    private async Task GoodbyeAsync(MdnsChannel channel, MdnsAnnouncement announced)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            await channel.SendAsync(MnigsService.Announce(announced, ttl: 0).Encode(), null, timeout.Token);
            log.LogInformation("mDNS: said goodbye on {Interface}", segment.Interface);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            log.LogDebug("mDNS: no goodbye: {Error}", e.Message);
        }
    }

    private async Task SendAsync(MdnsChannel channel, DnsMessage message, AddressFamily? family, CancellationToken ct)
    {
        try
        {
            await channel.SendAsync(message.Encode(), family, ct);
        }
        catch (SocketException e)
        {
            log.LogDebug("mDNS: sending on {Interface} failed: {Error}", segment.Interface, e.Message);
        }
    }

    private void OnPacket(ReadOnlyMemory<byte> packet, IPEndPoint sender, AddressFamily family)
    {
        try
        {
            Handle(packet, sender, family);
        }
        catch (Exception e)
        {
            // A bug, not the peer's fault: said loudly, and the next packet is read all the same.
            log.LogError(e, "mDNS: a packet from {Sender} could not be handled", sender);
        }
    }

    private void Handle(ReadOnlyMemory<byte> packet, IPEndPoint sender, AddressFamily family)
    {
        var link = _link;
        // RFC 6762 section 6 and 11: only port 5353 (no legacy unicast queries), only from this link.
        if (link is null || sender.Port != MdnsChannel.Port || !link.IsLinkSource(sender.Address))
        {
            Dropped(sender, "not from port 5353 on this link");
            return;
        }
        var message = DnsMessage.TryDecode(packet.Span, out var error);
        if (message is null)
        {
            Dropped(sender, error!);
            return;
        }
        if (message.IsResponse)
            TakeIn(message, sender, link);
        else if (_own is { } own && MnigsService.Answer(message, own) is { } answer && MayAnswer(family))
            _ = AnswerAsync(answer, family);
    }

    private void TakeIn(DnsMessage response, IPEndPoint sender, SegmentLink link)
    {
        var own = _own;
        var now = time.GetUtcNow();
        foreach (var service in MnigsService.Read(response))
        {
            if (service.NodeId == identity.NodeId || own is not null && DnsName.Equal(service.Instance, own.Instance))
                continue;
            bool changed;
            lock (_gate)
                changed = _peers.Apply(service, sender.Address, link.OnSegment, now);
            if (!changed)
                continue;
            if (service.Ttl == 0)
                log.LogInformation("mDNS: {Instance} said goodbye", service.Instance);
            else
                log.LogInformation("mDNS: {Instance} (node {NodeId}) at {Addresses}, gateway {Gateway}", service.Instance, service.NodeId ?? "unknown",
                    string.Join(", ", Live().FirstOrDefault(p => DnsName.Equal(p.Instance, service.Instance))?.Addresses ?? []), service.Gateway ? "yes" : "no");
        }
    }

    private bool MayAnswer(AddressFamily family)
    {
        var now = time.GetUtcNow();
        lock (_gate)
        {
            if (_lastAnswer.TryGetValue(family, out var last) && now - last < MinAnswerInterval)
                return false;
            _lastAnswer[family] = now;
            return true;
        }
    }

    /// <summary>RFC 6762 section 6: a shared (PTR) answer waits 20-120 ms, so answers of several daemons spread out.</summary>
    private async Task AnswerAsync(DnsMessage answer, AddressFamily family)
    {
        try
        {
            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(20, 120)), time);
            if (_channel is { } channel)
                await SendAsync(channel, answer, family, CancellationToken.None);
        }
        catch (ObjectDisposedException)
        {
            // The interface went away meanwhile.
        }
    }

    private void Dropped(IPEndPoint sender, string reason)
    {
        var now = time.GetUtcNow();
        lock (_gate)
        {
            _dropped++;
            if (now - _lastDropLog < DropLogEvery)
                return;
            _lastDropLog = now;
        }
        log.LogDebug("mDNS: dropped a packet from {Sender}: {Reason} ({Count} dropped so far)", sender, reason, _dropped);
    }
}

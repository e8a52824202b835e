using System.Net;
using Mnigs.Networks.Cjdns;
using Mnigs.Tests.Networks.Cjdns;

namespace Mnigs.Tests.Tunnels.Cjdns;

/// <summary>
/// cjdroute's IpTunnel as tunnel/IpTunnel_admin.c answers it (the shapes of the recorded datagrams in
/// Networks/Cjdns/Fixtures), kept as state, behind a <see cref="FakeCjdroute"/> on real UDP. A subscriber's
/// connectTo gets addresses when <see cref="Grant"/> says so (as the gateway's cjdroute would send them).
/// </summary>
internal sealed class SimulatedCjdroute : IAsyncDisposable
{
    private readonly Lock _gate = new();
    private readonly SortedDictionary<int, Connection> _connections = [];
    private int _next;

    public SimulatedCjdroute(string key)
    {
        Key = key;
        Fake = new FakeCjdroute(Answer);
    }

    public sealed record Connection(string Key, bool Outgoing, string? Ip4, long Ip4Prefix, long Ip4Alloc, string? Ip6, long Ip6Prefix, long Ip6Alloc);

    public string Key { get; }

    public IPAddress Address => CjdnsAddress.ForKey(Key)!;

    public FakeCjdroute Fake { get; }

    /// <summary>Addresses the gateway sends for a connectTo to a key (null: none arrive).</summary>
    public Func<string, (string? Ip4, string? Ip6)?> Grant { get; set; } = _ => null;

    public IReadOnlyDictionary<int, Connection> Connections
    {
        get
        {
            lock (_gate)
                return new Dictionary<int, Connection>(_connections);
        }
    }

    /// <summary>cjdroute restarted: every connection is gone (numbers start again at 0).</summary>
    public void Restart()
    {
        lock (_gate)
        {
            _connections.Clear();
            _next = 0;
        }
    }

    /// <summary>A connection the operator configured in cjdroute.conf (ipTunnel.allowedConnections).</summary>
    public int AddOperatorConnection(string key, string ip4)
    {
        lock (_gate)
        {
            _connections[_next] = new Connection(key, false, ip4, 0, 32, null, 0, 0);
            return _next++;
        }
    }

    public IEnumerable<string> Functions => Fake.Calls.Select(c => c.Function);

    public ValueTask DisposeAsync() => Fake.DisposeAsync();

    private BencDictionary? Answer(string function, BencDictionary args)
    {
        lock (_gate)
        {
            switch (function)
            {
                case "Core_nodeInfo":
                    return new BencDictionary { ["error"] = "none", ["myAddr"] = "v20.0000.0000.0000.0001." + Key, ["myIp6"] = CjdnsAddress.Format(Address), ["version"] = 20 };
                case "IpTunnel_allowConnection":
                    _connections[_next] = new Connection(args.Text("publicKeyOfAuthorizedNode")!, false,
                        args.Text("ip4Address"), args.Integer("ip4Prefix") ?? 0, args.Integer("ip4Alloc") ?? 32,
                        args.Text("ip6Address"), args.Integer("ip6Prefix") ?? 0, args.Integer("ip6Alloc") ?? 128);
                    return new BencDictionary { ["connection"] = _next++, ["error"] = "none" };
                case "IpTunnel_connectTo":
                    var to = args.Text("publicKeyOfNodeToConnectTo")!;
                    var granted = Grant(to);
                    _connections[_next] = new Connection(to, true, granted?.Ip4, 32, 32, granted?.Ip6, 128, 128);
                    return new BencDictionary { ["connection"] = _next++, ["error"] = "none" };
                case "IpTunnel_removeConnection":
                    var removed = (int)args.Integer("connection")!.Value;
                    return _connections.Remove(removed)
                        ? new BencDictionary { ["error"] = "none" }
                        : new BencDictionary { ["error"] = "not_found" };
                case "IpTunnel_listConnections":
                    return new BencDictionary { ["connections"] = new BencList([.. _connections.Keys.Select(n => (BencValue)new BencInteger(n))]), ["error"] = "none" };
                case "IpTunnel_showConnection":
                    if (!_connections.TryGetValue((int)args.Integer("connection")!.Value, out var c))
                        return new BencDictionary { ["error"] = "connection not found" };
                    var shown = new BencDictionary { ["error"] = "none", ["key"] = c.Key, ["outgoing"] = c.Outgoing ? 1 : 0 };
                    if (c.Ip4 is not null)
                    {
                        shown["ip4Address"] = c.Ip4;
                        shown["ip4Prefix"] = c.Ip4Prefix;
                        shown["ip4Alloc"] = c.Ip4Alloc;
                    }
                    if (c.Ip6 is not null)
                    {
                        shown["ip6Address"] = c.Ip6;
                        shown["ip6Prefix"] = c.Ip6Prefix;
                        shown["ip6Alloc"] = c.Ip6Alloc;
                    }
                    return shown;
                default:
                    return new BencDictionary { ["error"] = "no such function" };
            }
        }
    }
}

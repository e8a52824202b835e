using System.Net;
using System.Net.Sockets;

namespace Mnigs.Networks.Cjdns;

/// <summary>
/// cjdns' own tunnel, IpTunnel (tunnel/IpTunnel_admin.c, cjdns v20 to v22), through the admin interface: a
/// gateway allows a subscriber's key and gives it addresses (IpTunnel_allowConnection), the subscriber connects
/// to the gateway's key (IpTunnel_connectTo) and cjdroute puts the addresses on its TUN device; either side ends
/// it with IpTunnel_removeConnection. Only the calls: deciding addresses and routes is the tunnel adapter's.
/// </summary>
public sealed class CjdnsIpTunnel(CjdnsAdminClient client)
{
    /// <summary>Lets the node with <paramref name="key"/> tunnel through this one with the given addresses; returns the connection number.</summary>
    public async Task<int> AllowConnectionAsync(string key, CjdnsTunnelAddress? ipv4, CjdnsTunnelAddress? ipv6, CancellationToken ct)
    {
        CheckKey(key);
        if (ipv4 is null && ipv6 is null)
            throw new ArgumentException("an IpTunnel connection needs an IPv4 or an IPv6 address");
        var args = new BencDictionary { ["publicKeyOfAuthorizedNode"] = key };
        Add(args, "ip4", ipv4, AddressFamily.InterNetwork, 32);
        Add(args, "ip6", ipv6, AddressFamily.InterNetworkV6, 128);
        return Number("IpTunnel_allowConnection", await client.CallAsync("IpTunnel_allowConnection", args, ct));
    }

    /// <summary>Asks the node with <paramref name="key"/> for a tunnel; cjdroute sets the addresses it gets on its TUN device.</summary>
    public async Task<int> ConnectToAsync(string key, CancellationToken ct)
    {
        CheckKey(key);
        var args = new BencDictionary { ["publicKeyOfNodeToConnectTo"] = key };
        return Number("IpTunnel_connectTo", await client.CallAsync("IpTunnel_connectTo", args, ct));
    }

    /// <summary>Ends a connection; false when cjdroute has no such connection (already gone).</summary>
    public async Task<bool> RemoveConnectionAsync(int connection, CancellationToken ct)
    {
        try
        {
            await client.CallAsync("IpTunnel_removeConnection", new BencDictionary { ["connection"] = connection }, ct);
            return true;
        }
        catch (CjdnsAdminException e) when (e.CjdnsError == "not_found")
        {
            return false;
        }
    }

    public async Task<IReadOnlyList<int>> ListConnectionsAsync(CancellationToken ct)
    {
        var answer = await client.CallAsync("IpTunnel_listConnections", null, ct);
        if (answer.List("connections") is not { } list)
            throw Unreadable("IpTunnel_listConnections", answer);
        return [.. list.Items.Select(item => item is BencInteger { Value: >= 0 and <= int.MaxValue } n ? (int)n.Value : throw Unreadable("IpTunnel_listConnections", answer))];
    }

    /// <summary>The connection, or null when cjdroute has none with that number.</summary>
    public async Task<CjdnsTunnelConnection?> ShowConnectionAsync(int connection, CancellationToken ct)
    {
        BencDictionary answer;
        try
        {
            answer = await client.CallAsync("IpTunnel_showConnection", new BencDictionary { ["connection"] = connection }, ct);
        }
        catch (CjdnsAdminException e) when (e.CjdnsError == "connection not found")
        {
            return null;
        }
        var outgoing = answer.Integer("outgoing");
        if (answer.Text("key") is not { } key || CjdnsAddress.ForKey(key) is null || outgoing is not (0 or 1))
            throw Unreadable("IpTunnel_showConnection", answer);
        return new CjdnsTunnelConnection(connection, key, outgoing == 1,
            Address(answer, "ip4", AddressFamily.InterNetwork, 32), Address(answer, "ip6", AddressFamily.InterNetworkV6, 128));
    }

    /// <summary>Every connection with the node that has <paramref name="key"/>.</summary>
    public async Task<IReadOnlyList<CjdnsTunnelConnection>> ConnectionsWithAsync(string key, CancellationToken ct)
    {
        var found = new List<CjdnsTunnelConnection>();
        foreach (var number in await ListConnectionsAsync(ct))
        {
            if (await ShowConnectionAsync(number, ct) is { } connection && connection.Key == key)
                found.Add(connection);
        }
        return found;
    }

    /// <summary>
    /// Takes back what was allowed to <paramref name="key"/>: removes every incoming connection with it, so a
    /// released subscriber loses access (the seed never did). Returns how many there were.
    /// </summary>
    public async Task<int> RevokeAsync(string key, CancellationToken ct)
    {
        CheckKey(key);
        var removed = 0;
        foreach (var connection in await ConnectionsWithAsync(key, ct))
        {
            if (!connection.Outgoing && await RemoveConnectionAsync(connection.Number, ct))
                removed++;
        }
        return removed;
    }

    private static void CheckKey(string key)
    {
        if (CjdnsAddress.ForKey(key) is null)
            throw new ArgumentException($"not a cjdns public key: \"{key}\"", nameof(key));
    }

    private static void Add(BencDictionary args, string prefix, CjdnsTunnelAddress? address, AddressFamily family, int bits)
    {
        if (address is null)
            return;
        if (address.Address.AddressFamily != family || address.Prefix is < 0 || address.Prefix > bits || address.Alloc < 1 || address.Alloc > bits)
            throw new ArgumentException($"{prefix} tunnel address {address} is not a {(bits == 32 ? "IPv4" : "IPv6")} address with prefix 0 to {bits} and allocation 1 to {bits}");
        args[prefix + "Address"] = address.Address.ToString();
        args[prefix + "Prefix"] = address.Prefix;
        args[prefix + "Alloc"] = address.Alloc;
    }

    private CjdnsTunnelAddress? Address(BencDictionary answer, string prefix, AddressFamily family, int bits)
    {
        if (answer.Text(prefix + "Address") is not { } text)
            return null;
        if (!IPAddress.TryParse(text, out var address) || address.AddressFamily != family
            || answer.Integer(prefix + "Prefix") is not { } p || p < 0 || p > bits
            || answer.Integer(prefix + "Alloc") is not { } a || a < 1 || a > bits)
            throw Unreadable("IpTunnel_showConnection", answer);
        return new CjdnsTunnelAddress(address, (int)p, (int)a);
    }

    private int Number(string function, BencDictionary answer) =>
        answer.Integer("connection") is { } n && n >= 0 && n <= int.MaxValue ? (int)n : throw Unreadable(function, answer);

    private CjdnsAdminException Unreadable(string function, BencDictionary answer)
    {
        var text = answer.ToString();
        return new CjdnsAdminException($"cjdroute on {client.Endpoint.Where} answered {function} with something Mnigs cannot read: {(text.Length <= 200 ? text : text[..200] + "...")}");
    }
}

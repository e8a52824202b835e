using System.Net;

namespace Mnigs.Networks.Cjdns;

/// <summary>
/// Reads cjdroute's answers (field names from admin/angel/Core.c, dht/dhtcore/NodeStore_admin.c and
/// net/InterfaceController_admin.c, cjdns v20 to v22). Entries without a usable key or address are left out;
/// an answer without what the call is for is a <see cref="CjdnsAdminException"/>.
/// </summary>
internal static class CjdnsAnswer
{
    /// <summary>Core_nodeInfo: <c>myIp6</c>, <c>myAddr</c> (v20.LABEL.KEY.k) and <c>version</c>.</summary>
    public static CjdnsSelf NodeInfo(BencDictionary answer, string where)
    {
        var key = CjdnsAddress.KeyOf(answer.Text("myAddr"));
        var address = key is null ? null : CjdnsAddress.ForKey(key);
        if (key is null || address is null)
            throw Unreadable("Core_nodeInfo", answer, where);
        // myIp6 is derived from the same key; the key is what cjdns itself trusts.
        return new CjdnsSelf(address, key, answer.Integer("version"));
    }

    /// <summary>NodeStore_nodeForAddr: <c>result</c> with <c>key</c>, <c>linkCount</c> and <c>protocolVersion</c>; an empty result for an unknown node.</summary>
    public static (CjdnsSelf Node, long LinkCount)? Node(BencDictionary answer, string where)
    {
        var result = answer.Dictionary("result");
        if (result is null || result.Count == 0)
            return null;
        var key = result.Text("key");
        if (CjdnsAddress.ForKey(key) is not { } address)
            throw Unreadable("NodeStore_nodeForAddr", answer, where);
        return (new CjdnsSelf(address, key!, result.Integer("protocolVersion")), Math.Max(0, result.Integer("linkCount") ?? 0));
    }

    /// <summary>NodeStore_getLink: the <c>child</c> end of the link, as an address.</summary>
    public static IPAddress? LinkChild(BencDictionary answer) =>
        CjdnsAddress.ForName(answer.Dictionary("result")?.Text("child"));

    /// <summary>The <c>peers</c> of InterfaceController_peerStats pages.</summary>
    public static List<CjdnsPeer> Peers(IEnumerable<BencValue> items)
    {
        var peers = new List<CjdnsPeer>();
        foreach (var item in items)
        {
            if (item is not BencDictionary peer || CjdnsAddress.KeyOf(peer.Text("addr")) is not { } key || CjdnsAddress.ForKey(key) is not { } address)
                continue;
            peers.Add(new CjdnsPeer(key, address, peer.Text("state") ?? "", peer.Text("lladdr") ?? "", peer.Integer("isIncoming") == 1, peer.Text("user")));
        }
        return peers;
    }

    /// <summary>
    /// The <c>routingTable</c> of NodeStore_dumpTable pages, by address. The address comes from the key in
    /// <c>addr</c>; <c>ip</c> is marked "will soon be removed" and is used only when <c>addr</c> is missing.
    /// Entries with route label 0000.0000.0000.0001 are this node itself.
    /// </summary>
    public static List<IPAddress> RoutingTable(IEnumerable<BencValue> items)
    {
        var nodes = new List<IPAddress>();
        foreach (var item in items)
        {
            if (item is not BencDictionary node || node.Text("path") == SelfLabel)
                continue;
            var address = CjdnsAddress.ForName(node.Text("addr"))
                ?? (IPAddress.TryParse(node.Text("ip"), out var ip) && CjdnsAddress.IsCjdns(ip) ? ip : null);
            if (address is not null)
                nodes.Add(address);
        }
        return nodes;
    }

    public const string SelfLabel = "0000.0000.0000.0001";

    private static CjdnsAdminException Unreadable(string function, BencDictionary answer, string where)
    {
        var text = answer.ToString();
        return new CjdnsAdminException($"cjdroute on {where} answered {function} without a node Mnigs can read: {(text.Length <= 200 ? text : text[..200] + "...")}");
    }
}

using Mnigs.Networks.Cjdns;
using static Mnigs.Tests.Networks.Cjdns.CjdnsFixtures;

namespace Mnigs.Tests.Networks.Cjdns;

/// <summary>
/// Answers of the recording, found by function and arguments (the bencoded args of the recorded request).
/// Three answers of node 1 were not recorded and are written here from dht/dhtcore/NodeStore_admin.c:
/// NodeStore_nodeForAddr of its own address is the same node as without one; its NodeStore_getLink 1 is its
/// link to itself (cjdns roots its own routes there); getLink 2 is past its last link ("unknown").
/// A request the recording does not have gets an error that names it, so that a test fails plainly.
/// </summary>
internal static class Recorded
{
    public static Func<string, BencDictionary, BencDictionary?> For(int node)
    {
        var table = OnNode(node).ToDictionary(name => Signature(Decoded(Request(name))), name => Response(name));
        return (function, args) =>
        {
            var key = Signature(function, args);
            if (table.TryGetValue(key, out var recorded))
                return WithoutTxid(recorded);
            if (node == 1 && HandWritten(function, args) is { } written)
                return written;
            return new BencDictionary { ["error"] = $"the recording has no {function} {args}" };
        };
    }

    private static BencDictionary? HandWritten(string function, BencDictionary args)
    {
        if (function == "NodeStore_nodeForAddr" && args.Text("ip") == Node1)
            return WithoutTxid(Response("node-02-NodeStore_nodeForAddr"));
        if (function == "NodeStore_getLink" && args.Text("parent") == Node1 && args.Integer("linkNum") == 1)
        {
            var self = $"v20.0000.0000.0000.0001.{Node1Key}";
            return new BencDictionary
            {
                ["error"] = "none",
                ["result"] = new BencDictionary
                {
                    ["bestParent"] = 1,
                    ["cannonicalLabel"] = "0000.0000.0000.0001",
                    ["child"] = self,
                    ["inverseLinkEncodingFormNumber"] = 0,
                    ["isOneHop"] = 1,
                    ["linkCost"] = 0,
                    ["parent"] = self,
                },
            };
        }
        if (function == "NodeStore_getLink" && args.Text("parent") == Node1 && args.Integer("linkNum") >= 2)
            return new BencDictionary { ["error"] = "unknown", ["result"] = new BencDictionary() };
        return null;
    }

    private static string Signature(BencDictionary request) =>
        Signature(request.Text("aq") ?? request.Text("q") ?? "", request.Dictionary("args") ?? new BencDictionary());

    private static string Signature(string function, BencDictionary args) =>
        function + " " + System.Text.Encoding.UTF8.GetString(Bencode.Encode(args));

    private static BencDictionary WithoutTxid(byte[] response)
    {
        var answer = Decoded(response);
        answer["txid"] = null;
        return answer;
    }
}

using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CsCheck;
using Mnigs.Core.Config;
using Mnigs.Core.Gateway;
using Mnigs.Tests.TestSupport;
using Mnigs.Tunnels.WireGuard;

namespace Mnigs.Tests.Rpc;

/// <summary>
/// What a hostile mesh peer gets from the RPC endpoint, whatever it sends: a well-formed JSON-RPC
/// answer (a result object or a JSON-RPC error, never an internal error or a stack trace), and no
/// power over anything but the sessions it opened itself. Runs against the real public and admin
/// methods, wired as the daemon wires them.
/// </summary>
public sealed class HostileInputTests : IAsyncLifetime
{
    private const int HostileInputs = 6000;
    private const int AdminInputs = 1200;

    private const string InitialConfig = "# written by the test\n[main]\nname = gw\n\n[gateway]\nenabled = yes\n";

    private static readonly IPAddress[] Attackers =
        [IPAddress.Parse("fd00::66"), IPAddress.Parse("10.9.9.9"), IPAddress.Parse("::ffff:10.9.9.9"), IPAddress.Parse("fe80::1")];

    private static readonly IPAddress[] Owners = [IPAddress.Parse("fd00::a"), IPAddress.Parse("fd00::b"), IPAddress.Parse("10.0.0.7")];

    private static readonly string[] ParamNames = ["sid", "name", "port", "method", "options", "address", "suite", "set", "wait", "publicKey"];

    private static readonly string[] InterestingStrings =
    [
        "", " ", "babel-wireguard-free", "batman-adv-wireguard-free", "babel-wireguard-voucher", "cjdns-cjdns-free", "a-b-c",
        "fd00::a", "10.0.0.7", "127.0.0.1", "::1", "0.0.0.0", "gateway.enabled=yes", "daemon.authorizedNetworks=0.0.0.0/0",
        "../../../../etc/passwd", "$(reboot)", "`id`", "; rm -rf /", "%s%s%s%n", "{{7*7}}", "null", "true", "\u0000", "\uFEFF",
        "\u202E", "é", "💥", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    ];

    private static readonly string[] NumberLiterals =
    [
        "0", "-0", "1", "-1", "65535", "65536", "2147483647", "2147483648", "-2147483649", "9223372036854775808",
        "123456789012345678901234567890", "1e400", "-1e400", "1e-400", "1.5", "0.0000001", "1E2", "51820",
    ];

    private DaemonRig _rig = null!;

    public async Task InitializeAsync()
    {
        _rig = await DaemonRig.StartAsync(c => c with { MaxConnections = 120 });
        await File.WriteAllTextAsync(_rig.ConfigPath, InitialConfig);
    }

    public async Task DisposeAsync() => await _rig.DisposeAsync();

    private sealed record Probe(string Kind, byte[] Body, IPAddress Caller)
    {
        public override string ToString()
        {
            var text = Encoding.UTF8.GetString(Body);
            return $"{Kind} from {Caller}: {(text.Length > 400 ? text[..400] + "..." : text)}";
        }
    }

    [Fact]
    public async Task A_hostile_peer_gets_well_formed_answers_and_changes_nothing_but_its_own_sessions()
    {
        var before = new List<GatewaySession>();
        foreach (var owner in Owners)
        {
            var reply = await _rig.RequestConnectionAsync(owner);
            Assert.True(RpcWire.Success(reply), reply.ToJsonString());
        }
        before.AddRange(_rig.Gateway.Sessions);
        var storedBefore = await _rig.Store.LoadSessionsAsync();
        var knownSids = before.Select(s => s.Sid).ToArray();

        var opened = new List<string>();
        var runs = 0;
        await Inputs(knownSids).SampleAsync(async probe =>
        {
            runs++;
            var body = await _rig.Dispatcher.HandleAsync(probe.Body, probe.Caller, DaemonRig.GatewayMesh, CancellationToken.None);
            AssertWellFormed(probe.Body, body);
            if (body is not null && JsonNode.Parse(body)!["result"] is JsonObject result && RpcWire.Success(result) && result["tunnel"] is not null)
                opened.Add(result["sid"]!.GetValue<string>());
            // A requestConnection sent as a notification is honoured too, but its sid is never told.
            if (body is null)
                opened.AddRange(_rig.Gateway.Sessions.Select(s => s.Sid).Except(knownSids).Except(opened).ToList());
        }, iter: HostileInputs, threads: 1, print: p => p.ToString());

        Assert.True(runs >= 5000, $"only {runs} inputs ran");

        // The sessions opened before the run are exactly as they were; the only new ones are those granted above.
        Assert.NotEmpty(opened);
        var after = _rig.Gateway.Sessions;
        Assert.Equal(knownSids.Concat(opened).Order(), after.Select(s => s.Sid).Order());
        foreach (var old in before)
        {
            var now = Assert.Single(after, s => s.Sid == old.Sid);
            Assert.Equal((old.MeshAddress, old.Ipv4, old.Ipv6, old.ExpiresAt, old.CreatedAt), (now.MeshAddress, now.Ipv4, now.Ipv6, now.ExpiresAt, now.CreatedAt));
            Assert.True(JsonNode.DeepEquals(old.TunnelState, now.TunnelState));
        }
        Assert.All(after.Where(s => opened.Contains(s.Sid)), s => Assert.Contains(s.MeshAddress, Attackers.Select(a => a.IsIPv4MappedToIPv6 ? a.MapToIPv4() : a)));

        // The store and the host say the same.
        var stored = await _rig.Store.LoadSessionsAsync();
        Assert.Equal(after.Select(s => s.Sid).Order(), stored.Select(s => s.Sid).Order());
        foreach (var old in storedBefore)
            Assert.Equal(old.ExpiresAt, Assert.Single(stored, s => s.Sid == old.Sid).ExpiresAt);
        var peers = Assert.Single(_rig.Platform.Current.WireGuard).Peers;
        Assert.Equal(after.Select(s => s.TunnelState["publicKey"]!.GetValue<string>()).Order(), peers.Select(p => p.PublicKey).Order());
        Assert.Equal(after.Count, peers.Select(p => p.AllowedIps[0]).Distinct().Count());

        // No admin method ran for the peer: the config file, the subscriber and the scanner are untouched.
        Assert.Equal(InitialConfig, await File.ReadAllTextAsync(_rig.ConfigPath));
        Assert.Null(_rig.Subscriber.Current);
        Assert.Null(_rig.Scanner.Last);
        Assert.Null(await _rig.Store.LastScanAsync());
    }

    [Fact]
    public async Task The_operator_with_random_admin_calls_gets_well_formed_answers_and_configure_saves_only_valid_edits()
    {
        var session = await _rig.RequestConnectionAsync(Owners[0]);
        var sessionsBefore = _rig.Gateway.Sessions;
        var expected = InitialConfig;
        var saved = 0;

        await AdminCalls.SampleAsync(async call =>
        {
            var body = await _rig.Dispatcher.HandleAsync(call.Body, call.Caller, DaemonRig.GatewayMesh, CancellationToken.None);
            AssertWellFormed(call.Body, body);
            var envelope = JsonNode.Parse(body!)!.AsObject();

            if (call.Assignments is { } assignments)
            {
                // What the editor makes of the same assignments, all or nothing.
                var text = expected;
                string? error = null;
                foreach (var assignment in assignments)
                {
                    var edit = ConfigEditor.Apply(text, assignment);
                    if (!edit.Ok)
                    {
                        error = edit.Error;
                        break;
                    }
                    text = edit.Text;
                }
                var result = Assert.IsType<JsonObject>(envelope["result"]);
                if (error is null)
                {
                    Assert.True(RpcWire.Success(result), result.ToJsonString());
                    expected = text;
                    saved++;
                }
                else
                {
                    Assert.Equal(error, RpcWire.ErrorMsg(result));
                }
            }
            else if (call.Valid)
            {
                Assert.True(RpcWire.Success(Assert.IsType<JsonObject>(envelope["result"])), envelope.ToJsonString());
            }
            else
            {
                // Params that are not a list of strings (or cannot even be read): a JSON-RPC error, nothing saved.
                Assert.NotNull(envelope["error"]);
            }
            Assert.Equal(expected, await File.ReadAllTextAsync(_rig.ConfigPath));
        }, iter: AdminInputs, threads: 1, print: c => c.ToString());

        Assert.True(saved > 10, $"only {saved} configure calls were valid");
        Assert.NotEqual(InitialConfig, expected);
        Assert.Equal(sessionsBefore, _rig.Gateway.Sessions);
        Assert.True(RpcWire.Success(session));
    }

    /// <summary>
    /// A body must be a JSON-RPC answer: jsonrpc 2.0, an id, and either a result object with a boolean
    /// success (and errorMsg when false) or an error with one of the caller-fault codes. No answer
    /// only for a notification, and nothing that looks like a stack trace.
    /// </summary>
    private static void AssertWellFormed(byte[] input, byte[]? body)
    {
        if (body is null)
        {
            using var request = JsonDocument.Parse(input);
            Assert.Equal(JsonValueKind.Object, request.RootElement.ValueKind);
            Assert.False(request.RootElement.TryGetProperty("id", out _), "a request with an id got no answer");
            return;
        }

        var text = Encoding.UTF8.GetString(body);
        Assert.DoesNotContain("   at ", text);
        Assert.DoesNotContain("Exception", text);
        var envelope = Assert.IsType<JsonObject>(JsonNode.Parse(body));
        Assert.Equal("2.0", envelope["jsonrpc"]!.GetValue<string>());
        Assert.True(envelope.ContainsKey("id"), "the answer has no id");
        Assert.True(envelope.ContainsKey("result") ^ envelope.ContainsKey("error"), text);
        if (envelope["result"] is { } resultNode)
        {
            var result = Assert.IsType<JsonObject>(resultNode);
            var success = result["success"]!.GetValue<bool>();
            if (!success)
                Assert.False(string.IsNullOrWhiteSpace(result["errorMsg"]!.GetValue<string>()));
        }
        else
        {
            var error = Assert.IsType<JsonObject>(envelope["error"]);
            // -32603 means a bug was reached: a peer's input must never get that far.
            Assert.Contains(error["code"]!.GetValue<int>(), new[] { -32700, -32600, -32601, -32602 });
            Assert.False(string.IsNullOrWhiteSpace(error["message"]!.GetValue<string>()));
        }
    }

    // ---------------------------------------------------------------- generators

    /// <summary>A JSON string literal; everything but printable ASCII escaped, lone surrogates included.</summary>
    private static string Quote(string s)
    {
        var sb = new StringBuilder(s.Length + 2).Append('"');
        foreach (var c in s)
        {
            if (c is >= ' ' and < (char)0x7F and not '"' and not '\\')
                sb.Append(c);
            else
                sb.Append("\\u").Append(((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture));
        }
        return sb.Append('"').ToString();
    }

    // Mostly text that decodes (so the input gets past the parser and reaches the methods), some that does not.
    private static readonly Gen<string> AnyString = Gen.Frequency(
        (10, Gen.Char.Where(c => !char.IsSurrogate(c)).Array[0, 40].Select(chars => new string(chars))),
        (1, Gen.String),
        (3, Gen.OneOf(InterestingStrings)),
        (1, Gen.Int[0, 70_000].Select(n => new string('A', n))),
        (1, Gen.Char['\uD800', '\uDFFF'].Select(c => "x" + c)),
        (1, Gen.Const("\U0001F4A5 ok")));

    private static readonly Gen<string> StringLiteral = Gen.Frequency(
        (30, AnyString.Select(Quote)),
        // Raw, possibly broken, escapes.
        (1, Gen.String["\\\"ux0123456789abcdefDEF"].Select(s => "\"" + s + "\"")));

    private static readonly Gen<string> NumberLiteral = Gen.Frequency(
        (3, Gen.OneOf(NumberLiterals)),
        (2, Gen.Long.Select(n => n.ToString(System.Globalization.CultureInfo.InvariantCulture))),
        (1, Gen.Double.Select(d => double.IsFinite(d) ? d.ToString("R", System.Globalization.CultureInfo.InvariantCulture) : "1e999")));

    private static readonly Gen<string> Leaf = Gen.Frequency(
        (1, Gen.OneOf("null", "true", "false")),
        (3, NumberLiteral),
        (4, StringLiteral));

    private static readonly Gen<string> Key = Gen.Frequency((3, Gen.OneOf(ParamNames)), (1, AnyString), (1, Gen.OneOf("publicKey", "__proto__", "constructor")));

    private static readonly Gen<string> Json = Gen.Recursive<string>((depth, self) => depth >= 4
        ? Leaf
        : Gen.Frequency(
            (5, Leaf),
            (1, self.Array[0, 6].Select(items => "[" + string.Join(",", items) + "]")),
            (1, Gen.Select(Key, self).Array[0, 6].Select(props => "{" + string.Join(",", props.Select(p => Quote(p.Item1) + ":" + p.Item2)) + "}"))));

    private static readonly Gen<string> Params = Gen.Frequency(
        (3, Json.Array[0, 6].Select(items => "[" + string.Join(",", items) + "]")),
        (3, Gen.Select(Key, Json).Array[0, 5].Select(props => "{" + string.Join(",", props.Select(p => Quote(p.Item1) + ":" + p.Item2)) + "}")),
        (1, Json),
        (1, Gen.OneOf(Gen.Int[1, 64], Gen.Int[1, 3000]).Select(n => new string('[', n) + new string(']', n))),
        (1, Gen.OneOf(Gen.Int[1, 64], Gen.Int[1, 3000]).Select(n => string.Concat(Enumerable.Repeat("{\"a\":", n)) + "1" + new string('}', n))));

    private static readonly Gen<string?> Id = Gen.Frequency(
        (6, Gen.Int[0, 1000].Select(n => (string?)n.ToString(System.Globalization.CultureInfo.InvariantCulture))),
        (1, Gen.Const<string?>("\"an-id\"")),
        (1, Gen.Const<string?>("null")),
        (1, Gen.Const((string?)null)),
        (1, Json.Select(j => (string?)j)));

    private static string Envelope(string? jsonrpc, string? method, string? parameters, string? id)
    {
        var parts = new List<string>();
        if (jsonrpc is not null)
            parts.Add("\"jsonrpc\":" + jsonrpc);
        if (method is not null)
            parts.Add("\"method\":" + method);
        if (parameters is not null)
            parts.Add("\"params\":" + parameters);
        if (id is not null)
            parts.Add("\"id\":" + id);
        return "{" + string.Join(",", parts) + "}";
    }

    private static readonly Gen<IPAddress> Attacker = Gen.OneOf(Attackers);

    private static readonly Gen<string> PublicKey = Gen.Byte.Array[32].Select(Convert.ToBase64String);

    /// <summary>requestConnection as a real subscriber sends it, then zero to three fields replaced, dropped or added.</summary>
    private static readonly Gen<string> RequestConnection = Gen.Select(
        PublicKey,
        Gen.Select(Gen.Int[0, 7], Gen.Int[0, 2], Json).Array[0, 3],
        Gen.Bool,
        Id,
        (key, mutations, positional, id) =>
        {
            var fields = new List<(string Name, string? Value)>
            {
                ("sid", Quote("subscriber-node-id")),
                ("name", Quote("laptop")),
                ("port", "65533"),
                ("method", Quote("babel-wireguard-free")),
                ("options", "{\"publicKey\":" + Quote(key) + "}"),
            };
            foreach (var (field, action, value) in mutations)
            {
                if (field < fields.Count)
                    fields[field] = (fields[field].Name, action == 0 ? null : value);
                else if (field == 5)
                    fields.Add((action == 0 ? "extra" : "options", value));
                else
                    fields[4] = ("options", action switch
                    {
                        0 => "{\"publicKey\":" + value + "}",
                        1 => "{\"publicKey\":" + Quote(key) + ",\"x\":" + value + "}",
                        _ => "{\"publicKey\":" + Quote(key) + ",\"publicKey\":" + value + "}",
                    });
            }
            var parameters = positional
                ? "[" + string.Join(",", fields.Take(5).Select(f => f.Value ?? "null")) + "]"
                : "{" + string.Join(",", fields.Where(f => f.Value is not null).Select(f => Quote(f.Name) + ":" + f.Value)) + "}";
            return Envelope("\"2.0\"", Quote("requestConnection"), parameters, id ?? "1");
        });

    private Gen<Probe> Inputs(string[] knownSids)
    {
        var methods = Gen.Frequency(
            (6, Gen.OneOf([.. _rig.Dispatcher.MethodNames.Order()])),
            (1, Gen.OneOf("", "nodeinfo", "requestconnection", "rpc.discover", "status ", "__proto__")),
            (1, AnyString));
        var sid = Gen.Frequency(
            (4, Gen.OneOf(knownSids)),
            (1, Gen.OneOf(knownSids).Select(s => s.ToUpperInvariant())),
            (1, Gen.OneOf(knownSids).Select(s => s + " ")),
            (1, Gen.OneOf(knownSids).Select(s => s[..16])),
            (1, Gen.Byte.Array[16].Select(Convert.ToHexStringLower)),
            (1, AnyString));
        var sidCall = Gen.Select(Gen.OneOf("renewConnection", "releaseConnection", "releaseSession"), sid, Gen.Bool, Id,
            (method, s, positional, id) => Envelope("\"2.0\"", Quote(method), positional ? $"[{Quote(s)}]" : $"{{\"sid\":{Quote(s)}}}", id ?? "1"));
        var envelope = Gen.Select(
            Gen.Frequency((8, Gen.Const<string?>("\"2.0\"")), (1, Gen.Const((string?)null)), (1, Leaf.Select(l => (string?)l))),
            Gen.Frequency((8, methods.Select(m => (string?)Quote(m))), (1, Gen.Const((string?)null)), (1, Json.Select(j => (string?)j))),
            Gen.Frequency((5, Params.Select(p => (string?)p)), (1, Gen.Const((string?)null))),
            Id,
            Envelope);
        var valid = Gen.OneOf(RequestConnection, sidCall);

        var bodies = Gen.Frequency(
            (1, Gen.Byte.Array[0, 300].Select(b => ("random bytes", b))),
            (1, Gen.String.Select(s => ("random text", Encoding.UTF8.GetBytes(s)))),
            (1, Gen.Select(valid, Gen.Double.Unit).Select((v, cut) => ("truncated", Encoding.UTF8.GetBytes(v)[..(int)(Encoding.UTF8.GetByteCount(v) * cut)]))),
            (2, Gen.Select(valid, Gen.Select(Gen.Int[0, 100_000], Gen.Byte, Gen.Int[0, 2]).Array[1, 6]).Select((v, edits) => ("mutated bytes", Mutate(Encoding.UTF8.GetBytes(v), edits)))),
            (6, envelope.Select(e => ("envelope", Encoding.UTF8.GetBytes(e)))),
            (4, RequestConnection.Select(r => ("requestConnection", Encoding.UTF8.GetBytes(r)))),
            (3, sidCall.Select(r => ("renew/release", Encoding.UTF8.GetBytes(r)))));

        return Gen.Select(bodies, Attacker, (b, caller) => new Probe(b.Item1, b.Item2, caller));
    }

    private static byte[] Mutate(byte[] body, (int At, byte Value, int Action)[] edits)
    {
        var bytes = body.ToList();
        foreach (var (at, value, action) in edits)
        {
            var i = bytes.Count == 0 ? 0 : at % bytes.Count;
            switch (action)
            {
                case 0 when bytes.Count > 0:
                    bytes[i] = value;
                    break;
                case 1:
                    bytes.Insert(i, value);
                    break;
                default:
                    if (bytes.Count > 0)
                        bytes.RemoveAt(i);
                    break;
            }
        }
        return [.. bytes];
    }

    // ---------------------------------------------------------------- the operator's calls

    private sealed record AdminCall(string Method, byte[] Body, IPAddress Caller, bool Valid, IReadOnlyList<string>? Assignments)
    {
        public override string ToString() => $"{Method} from {Caller}: {Encoding.UTF8.GetString(Body)}";
    }

    private static readonly string[] ConfigValues =
    [
        "", "yes", "no", "0", "1", "32", "65535", "65536", "-1", "abc", "10.0.0.0/8", "10.201.0.1", "10.9.0.0/24", "fd00::/64",
        "::1", "127.0.0.0/8, ::1/128", "/usr/bin/hook", "relative/path", "eth0", "route", "none", "debug", "a#b", "x # y",
        "\t", "é", "\uD800", "\0", "[x]", "300", "10",
    ];

    private static readonly Gen<string> Assignment = Gen.Frequency(
        (6, Gen.Select(Gen.OneOf([.. ConfigSchema.Keys.Select(k => k.Name), "gateway.nope", "nope.enabled", "gateway.", ".enabled"]),
            Gen.OneOf(" = ", "=", " ="), Gen.Frequency((4, Gen.OneOf(ConfigValues)), (1, Gen.String)),
            (name, eq, value) => name + eq + value)),
        (1, Gen.String),
        (1, Gen.String["abc.=019 "]),
        (1, Gen.Int[400, 600].Select(n => "main.name=" + new string('n', n))));

    private static bool WellFormed(string s)
    {
        for (var i = 0; i < s.Length; i++)
        {
            if (char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
                i++;
            else if (char.IsSurrogate(s[i]))
                return false;
        }
        return true;
    }

    private static readonly Gen<AdminCall> AdminCalls = Gen.Select(
        Gen.Frequency((1, Gen.OneOf("status", "listGateways", "listSessions")), (3, Gen.Const("configure"))),
        Gen.Int[0, 9],
        Assignment.Array[0, 5],
        Gen.Frequency((4, Gen.Const((string?)null)), (1, Json.Select(j => (string?)j))),
        Gen.OneOf(IPAddress.Loopback, IPAddress.IPv6Loopback, IPAddress.Parse("::ffff:127.0.0.1")),
        (method, shape, assignments, junk, caller) =>
        {
            if (method != "configure")
            {
                var (parameters, valid) = shape switch
                {
                    < 4 => ((string?)null, true),
                    4 => ("[]", true),
                    5 => ("{}", true),
                    _ => ("[" + (junk ?? "1") + "]", false),
                };
                return new AdminCall(method, Encoding.UTF8.GetBytes(Envelope("\"2.0\"", Quote(method), parameters, "1")), caller, valid, null);
            }

            // The shape of "set": one string, a list, or something that is not a list of strings.
            string set;
            IReadOnlyList<string>? list;
            switch (shape)
            {
                case < 3:
                    set = Quote(assignments.FirstOrDefault() ?? "gateway.enabled=no");
                    list = [assignments.FirstOrDefault() ?? "gateway.enabled=no"];
                    break;
                case < 7:
                    set = "[" + string.Join(",", assignments.Select(Quote)) + "]";
                    list = assignments;
                    break;
                case 7:
                    set = junk ?? "5";
                    list = null;
                    break;
                case 8:
                    set = "[" + string.Join(",", assignments.Select(Quote).Append("7")) + "]";
                    list = null;
                    break;
                default:
                    set = "null";
                    list = null;
                    break;
            }
            if (list is not null && list.Any(a => a.Length > 512 || !WellFormed(a)))
                list = null;
            var named = shape % 2 == 0;
            var body = Envelope("\"2.0\"", Quote("configure"), named ? $"{{\"set\":{set}}}" : $"[{set}]", "1");
            // Junk that still parses as a list of strings is a real edit; anything else must change nothing.
            if (list is null && TryReadStrings(set) is { } strings && strings.All(a => a.Length <= 512))
                list = strings;
            return new AdminCall("configure", Encoding.UTF8.GetBytes(body), caller, list is not null, list);
        });

    private static IReadOnlyList<string>? TryReadStrings(string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json, new JsonDocumentOptions { AllowDuplicateProperties = false });
            return doc.RootElement.ValueKind switch
            {
                JsonValueKind.String => [doc.RootElement.GetString()!],
                JsonValueKind.Array when doc.RootElement.GetArrayLength() <= 64 && doc.RootElement.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String)
                    => [.. doc.RootElement.EnumerateArray().Select(e => e.GetString()!)],
                _ => null,
            };
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return null;
        }
    }
}

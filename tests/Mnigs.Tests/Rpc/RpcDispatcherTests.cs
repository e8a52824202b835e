using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Mnigs.Core.Protocol;
using Mnigs.Rpc;
using Mnigs.Tests.TestSupport;

namespace Mnigs.Tests.Rpc;

public sealed class RpcDispatcherTests
{
    private static readonly IPAddress Local = IPAddress.Parse("fd00::1");
    private static readonly IPAddress Peer = IPAddress.Parse("fd00::66");

    private readonly List<RpcCall> _calls = [];
    private readonly RpcDispatcher _dispatcher;

    public RpcDispatcherTests()
    {
        _dispatcher = new RpcDispatcher(
        [
            new("echo", ["text", "count"], Admin: false, (call, _) =>
            {
                _calls.Add(call);
                return ValueTask.FromResult(RpcResult.Ok(new JsonObject
                {
                    ["text"] = call.Params.String("text", 16),
                    ["count"] = call.Params.Int("count", 0, 10),
                    ["caller"] = call.Caller.ToString(),
                    ["local"] = call.Local.ToString(),
                }));
            }),
            new("secret", [], Admin: true, (call, _) =>
            {
                _calls.Add(call);
                return ValueTask.FromResult(RpcResult.Ok(new JsonObject { ["secret"] = "s3cr3t" }));
            }),
            new("broken", [], Admin: false, (call, _) =>
            {
                _calls.Add(call);
                throw new InvalidOperationException("Sequence contains no elements: private key /var/lib/mnigs/wireguard.key");
            }),
            new("brokenAsync", [], Admin: false, async (call, ct) =>
            {
                _calls.Add(call);
                await Task.Yield();
                throw new NullReferenceException("boom");
            }),
        ], IPAddress.IsLoopback, NullLogger<RpcDispatcher>.Instance);
    }

    private ValueTask<byte[]?> Handle(string body, IPAddress? caller = null) =>
        _dispatcher.HandleAsync(Encoding.UTF8.GetBytes(body), caller ?? Peer, Local, CancellationToken.None);

    [Fact]
    public async Task A_call_reaches_its_method_with_params_caller_and_local_address()
    {
        var result = RpcWire.Result(await Handle("""{"jsonrpc":"2.0","method":"echo","params":["hi",3],"id":1}"""));

        Assert.True(RpcWire.Success(result));
        Assert.Equal("hi", result["text"]!.GetValue<string>());
        Assert.Equal(3, result["count"]!.GetValue<int>());
        Assert.Equal(Peer.ToString(), result["caller"]!.GetValue<string>());
        Assert.Equal(Local.ToString(), result["local"]!.GetValue<string>());
    }

    [Fact]
    public async Task IPv4_mapped_callers_and_local_addresses_reach_the_method_as_IPv4()
    {
        var result = RpcWire.Result(await _dispatcher.HandleAsync(RpcWire.Request("echo"),
            IPAddress.Parse("::ffff:10.0.0.7"), IPAddress.Parse("::ffff:10.0.0.1"), CancellationToken.None));

        Assert.Equal("10.0.0.7", result["caller"]!.GetValue<string>());
        Assert.Equal("10.0.0.1", result["local"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("7", "7")]
    [InlineData("\"abc\"", "\"abc\"")]
    [InlineData("null", "null")]
    [InlineData("1.5e3", "1.5e3")]
    public async Task The_answer_carries_the_request_id_as_sent(string id, string echoed)
    {
        var body = await Handle($$"""{"jsonrpc":"2.0","method":"echo","id":{{id}}}""");

        Assert.Equal(echoed, RpcWire.Envelope(body)["id"]?.ToJsonString() ?? "null");
    }

    [Fact]
    public async Task An_unknown_method_is_method_not_found()
    {
        var body = await Handle("""{"jsonrpc":"2.0","method":"rm -rf","id":"x"}""");

        Assert.Equal((-32601, "Method not found"), RpcWire.Error(body));
        Assert.Equal("x", RpcWire.Envelope(body)["id"]!.GetValue<string>());
    }

    [Fact]
    public async Task Method_names_are_case_sensitive()
    {
        Assert.Equal(-32601, RpcWire.Error(await Handle("""{"jsonrpc":"2.0","method":"Echo","id":1}""")).Code);
    }

    [Theory]
    [InlineData("""["hi",3,"extra"]""", "too many parameters: expected at most 2")]
    [InlineData("""{"nope":1}""", "unknown parameter 'nope'")]
    [InlineData("""[5]""", "'text' must be a string")]
    [InlineData("""["hi","3"]""", "'count' must be a whole number from 0 to 10")]
    [InlineData("""{"text":"this is longer than sixteen"}""", "'text' is longer than 16 characters")]
    public async Task Wrong_params_are_invalid_params_with_a_plain_reason(string parameters, string reason)
    {
        var body = await Handle($$"""{"jsonrpc":"2.0","method":"echo","params":{{parameters}},"id":1}""");

        var (code, message) = RpcWire.Error(body);
        Assert.Equal(-32602, code);
        Assert.Equal("Invalid params: " + reason, message);
    }

    [Fact]
    public async Task Params_refused_while_binding_never_reach_the_method()
    {
        await Handle("""{"jsonrpc":"2.0","method":"echo","params":{"nope":1},"id":1}""");

        Assert.Empty(_calls);
    }

    [Theory]
    [InlineData("fd00::66")]
    [InlineData("10.0.0.7")]
    [InlineData("::ffff:10.0.0.7")]
    public async Task An_admin_method_from_an_unauthorized_caller_is_refused_and_does_not_run(string caller)
    {
        var result = RpcWire.Result(await Handle("""{"jsonrpc":"2.0","method":"secret","id":1}""", IPAddress.Parse(caller)));

        Assert.False(RpcWire.Success(result));
        Assert.Equal("Permission denied", result["errorMsg"]!.GetValue<string>());
        Assert.Null(result["secret"]);
        Assert.Empty(_calls);
    }

    [Fact]
    public async Task An_unauthorized_caller_learns_nothing_from_bad_params_to_an_admin_method()
    {
        var result = RpcWire.Result(await Handle("""{"jsonrpc":"2.0","method":"secret","params":{"x":1},"id":1}"""));

        Assert.Equal("Permission denied", RpcWire.ErrorMsg(result));
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("::1")]
    [InlineData("::ffff:127.0.0.1")]
    public async Task An_admin_method_from_an_authorized_caller_runs(string caller)
    {
        var result = RpcWire.Result(await Handle("""{"jsonrpc":"2.0","method":"secret","id":1}""", IPAddress.Parse(caller)));

        Assert.True(RpcWire.Success(result));
        Assert.Single(_calls);
    }

    [Fact]
    public async Task A_notification_runs_and_gets_no_body()
    {
        var body = await Handle("""{"jsonrpc":"2.0","method":"echo","params":["hi"]}""");

        Assert.Null(body);
        Assert.Single(_calls);
    }

    [Theory]
    [InlineData("""{"jsonrpc":"2.0","method":"nope"}""")]
    [InlineData("""{"jsonrpc":"2.0","method":"echo","params":[1]}""")]
    [InlineData("""{"jsonrpc":"2.0","method":"broken"}""")]
    public async Task A_failed_notification_gets_no_body_either(string request)
    {
        Assert.Null(await Handle(request));
    }

    [Theory]
    [InlineData("broken")]
    [InlineData("brokenAsync")]
    public async Task A_method_that_throws_is_an_internal_error_without_any_detail(string method)
    {
        var body = await Handle($$"""{"jsonrpc":"2.0","method":"{{method}}","id":9}""");

        Assert.Equal((-32603, "Internal error"), RpcWire.Error(body));
        Assert.Equal(9, RpcWire.Envelope(body)["id"]!.GetValue<int>());
        var text = Encoding.UTF8.GetString(body!);
        Assert.DoesNotContain("Exception", text);
        Assert.DoesNotContain("   at ", text);
        Assert.DoesNotContain("wireguard.key", text);
        Assert.DoesNotContain("boom", text);
        Assert.Single(_calls);
    }

    [Theory]
    [InlineData("")]
    [InlineData("{")]
    [InlineData("not json")]
    public async Task Broken_JSON_is_a_parse_error_with_a_null_id(string request)
    {
        var body = await Handle(request);

        Assert.Equal((-32700, "Parse error"), RpcWire.Error(body));
        Assert.Null(RpcWire.Envelope(body)["id"]);
        Assert.True(RpcWire.Envelope(body).ContainsKey("id"));
    }

    [Theory]
    [InlineData("""[{"jsonrpc":"2.0","method":"echo","id":1}]""")]
    [InlineData("""{"jsonrpc":"1.0","method":"echo","id":1}""")]
    [InlineData("""{"jsonrpc":"2.0","id":1}""")]
    [InlineData("""{"jsonrpc":"2.0","method":"echo","params":"hi","id":1}""")]
    public async Task A_malformed_request_is_an_invalid_request_and_runs_nothing(string request)
    {
        Assert.Equal((-32600, "Invalid Request"), RpcWire.Error(await Handle(request)));
        Assert.Empty(_calls);
    }

    [Fact]
    public async Task Invalid_UTF8_in_a_param_is_a_parse_error_not_an_internal_error()
    {
        byte[] body = [.. Encoding.UTF8.GetBytes("{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"params\":[\""), 0xC3, 0x28, .. Encoding.UTF8.GetBytes("\"],\"id\":1}")];

        var answer = await _dispatcher.HandleAsync(body, Peer, Local, CancellationToken.None);

        Assert.Equal(-32700, RpcWire.Error(answer).Code);
        Assert.Empty(_calls);
    }

    [Fact]
    public async Task Invalid_UTF8_in_a_param_name_is_a_parse_error_and_does_not_escape()
    {
        byte[] body = [.. Encoding.UTF8.GetBytes("{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"params\":{\""), 0xC3, 0x28, .. Encoding.UTF8.GetBytes("\":1},\"id\":1}")];

        var answer = await _dispatcher.HandleAsync(body, Peer, Local, CancellationToken.None);

        Assert.Equal(-32700, RpcWire.Error(answer).Code);
    }

    [Fact]
    public void The_method_list_is_what_was_registered()
    {
        Assert.Equal(["broken", "brokenAsync", "echo", "secret"], _dispatcher.MethodNames.Order());
    }
}

using System.Text;
using System.Text.Json;
using Mnigs.Core.Protocol;

namespace Mnigs.Core.Tests.Protocol;

public sealed class JsonRpcParserTests
{
    private static (JsonRpcRequest? Request, JsonRpcError? Error, JsonElement? Id) Parse(string body) =>
        JsonRpcParser.Parse(Encoding.UTF8.GetBytes(body));

    [Fact]
    public void A_request_with_positional_params_is_read_whole()
    {
        var (request, error, id) = Parse("""{"jsonrpc":"2.0","method":"renewConnection","params":["abc"],"id":7}""");

        Assert.Null(error);
        Assert.NotNull(request);
        Assert.Equal("renewConnection", request.Method);
        Assert.Equal(JsonValueKind.Array, request.Params!.Value.ValueKind);
        Assert.Equal("abc", request.Params.Value[0].GetString());
        Assert.Equal(7, request.Id!.Value.GetInt32());
        Assert.Equal(7, id!.Value.GetInt32());
        Assert.False(request.IsNotification);
    }

    [Fact]
    public void A_request_with_named_params_is_read_whole()
    {
        var (request, error, _) = Parse("""{"jsonrpc":"2.0","method":"nodeInfo","params":{"a":1},"id":"x"}""");

        Assert.Null(error);
        Assert.Equal(1, request!.Params!.Value.GetProperty("a").GetInt32());
    }

    [Fact]
    public void Params_may_be_absent()
    {
        var (request, error, _) = Parse("""{"jsonrpc":"2.0","method":"nodeInfo","id":1}""");

        Assert.Null(error);
        Assert.Null(request!.Params);
    }

    [Theory]
    [InlineData("""{"jsonrpc":"2.0","method":"m","id":"abc"}""", JsonValueKind.String)]
    [InlineData("""{"jsonrpc":"2.0","method":"m","id":12}""", JsonValueKind.Number)]
    [InlineData("""{"jsonrpc":"2.0","method":"m","id":-1.5}""", JsonValueKind.Number)]
    [InlineData("""{"jsonrpc":"2.0","method":"m","id":null}""", JsonValueKind.Null)]
    public void String_number_and_null_ids_are_kept_as_sent(string body, JsonValueKind kind)
    {
        var (request, error, id) = Parse(body);

        Assert.Null(error);
        Assert.Equal(kind, request!.Id!.Value.ValueKind);
        Assert.Equal(kind, id!.Value.ValueKind);
        Assert.False(request.IsNotification);
    }

    [Fact]
    public void A_request_without_an_id_is_a_notification()
    {
        var (request, error, id) = Parse("""{"jsonrpc":"2.0","method":"nodeInfo"}""");

        Assert.Null(error);
        Assert.Null(id);
        Assert.True(request!.IsNotification);
    }

    [Fact]
    public void The_id_outlives_the_parsed_document()
    {
        var (request, _, id) = Parse("""{"jsonrpc":"2.0","method":"m","params":{"deep":["x"]},"id":"keep-me"}""");

        GC.Collect();
        Assert.Equal("keep-me", id!.Value.GetString());
        Assert.Equal("x", request!.Params!.Value.GetProperty("deep")[0].GetString());
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("{")]
    [InlineData("""{"jsonrpc":"2.0","method":"m","id":1""")]
    [InlineData("""{"jsonrpc":"2.0","method":"m","id":1}}""")]
    [InlineData("""{'jsonrpc':'2.0'}""")]
    [InlineData("""{"jsonrpc":"2.0",}""")]
    [InlineData("nul")]
    [InlineData("\u0000")]
    public void Broken_JSON_is_a_parse_error(string body)
    {
        var (request, error, id) = Parse(body);

        Assert.Null(request);
        Assert.Equal(JsonRpcError.ParseError, error);
        Assert.Equal(-32700, error!.Code);
        Assert.Null(id);
    }

    [Theory]
    [InlineData("{\"jsonrpc\":\"2.0\",\"method\":\"", "\",\"id\":1}")]
    [InlineData("{\"jsonrpc\":\"", "\",\"method\":\"m\",\"id\":1}")]
    [InlineData("{\"jsonrpc\":\"2.0\",\"method\":\"m\",\"params\":{\"", "\":1},\"id\":1}")]
    [InlineData("{\"jsonrpc\":\"2.0\",\"method\":\"m\",\"params\":[[\"", "\"]],\"id\":1}")]
    [InlineData("\"", "\"")]
    public void Invalid_UTF8_anywhere_is_a_parse_error(string before, string after)
    {
        byte[] body = [.. Encoding.UTF8.GetBytes(before), 0xC3, 0x28, .. Encoding.UTF8.GetBytes(after)];

        var (request, error, _) = JsonRpcParser.Parse(body);

        Assert.Null(request);
        Assert.Equal(JsonRpcError.ParseError, error);
    }

    [Theory]
    [InlineData("""{"jsonrpc":"2.0","method":"\ud800","id":1}""")]
    [InlineData("""{"jsonrpc":"2.0","method":"m","params":{"\udc00x":1},"id":1}""")]
    [InlineData("""{"jsonrpc":"2.0","method":"m","params":["ok",{"k":"\ud800\u0041"}],"id":1}""")]
    public void A_lone_surrogate_escape_is_a_parse_error(string body)
    {
        var (request, error, _) = Parse(body);

        Assert.Null(request);
        Assert.Equal(JsonRpcError.ParseError, error);
    }

    [Fact]
    public void A_surrogate_pair_escape_is_read_as_one_character()
    {
        var (request, error, _) = Parse("""{"jsonrpc":"2.0","method":"m","params":["\ud83d\ude00"],"id":1}""");

        Assert.Null(error);
        Assert.Equal("\U0001F600", request!.Params!.Value[0].GetString());
    }

    [Theory]
    [InlineData("""{"jsonrpc":"2.0","method":"m","method":"n","id":1}""")]
    [InlineData("""{"jsonrpc":"2.0","method":"m","params":{"options":{"publicKey":"a","publicKey":"b"}},"id":1}""")]
    [InlineData("""{"jsonrpc":"2.0","method":"m","params":{"sid":"a","\u0073id":"b"},"id":1}""")]
    public void Duplicate_property_names_are_a_parse_error(string body)
    {
        var (request, error, _) = Parse(body);

        Assert.Null(request);
        Assert.Equal(JsonRpcError.ParseError, error);
    }

    [Fact]
    public void Nesting_deeper_than_the_limit_is_a_parse_error_not_a_crash()
    {
        var deep = new string('[', 5000) + new string(']', 5000);

        var (request, error, _) = Parse($$"""{"jsonrpc":"2.0","method":"m","params":{{deep}},"id":1}""");

        Assert.Null(request);
        Assert.Equal(JsonRpcError.ParseError, error);
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("""[{"jsonrpc":"2.0","method":"m","id":1}]""")]
    [InlineData("1")]
    [InlineData("\"text\"")]
    [InlineData("null")]
    [InlineData("true")]
    public void Anything_but_an_object_is_an_invalid_request(string body)
    {
        var (request, error, id) = Parse(body);

        Assert.Null(request);
        Assert.Equal(JsonRpcError.InvalidRequest, error);
        Assert.Equal(-32600, error!.Code);
        Assert.Null(id);
    }

    [Theory]
    [InlineData("""{"method":"m","id":3}""")]
    [InlineData("""{"jsonrpc":"1.0","method":"m","id":3}""")]
    [InlineData("""{"jsonrpc":2.0,"method":"m","id":3}""")]
    [InlineData("""{"jsonrpc":"2.0","id":3}""")]
    [InlineData("""{"jsonrpc":"2.0","method":7,"id":3}""")]
    [InlineData("""{"jsonrpc":"2.0","method":null,"id":3}""")]
    [InlineData("""{"jsonrpc":"2.0","method":"m","params":"x","id":3}""")]
    [InlineData("""{"jsonrpc":"2.0","method":"m","params":1,"id":3}""")]
    [InlineData("""{"jsonrpc":"2.0","method":"m","params":null,"id":3}""")]
    public void A_malformed_envelope_is_an_invalid_request_answered_with_its_id(string body)
    {
        var (request, error, id) = Parse(body);

        Assert.Null(request);
        Assert.Equal(JsonRpcError.InvalidRequest, error);
        Assert.Equal(3, id!.Value.GetInt32());
    }

    [Theory]
    [InlineData("""{"jsonrpc":"2.0","method":"m","id":{}}""")]
    [InlineData("""{"jsonrpc":"2.0","method":"m","id":[1]}""")]
    [InlineData("""{"jsonrpc":"2.0","method":"m","id":true}""")]
    public void An_id_that_is_not_a_string_number_or_null_is_an_invalid_request_without_an_id(string body)
    {
        var (request, error, id) = Parse(body);

        Assert.Null(request);
        Assert.Equal(JsonRpcError.InvalidRequest, error);
        Assert.Null(id);
    }
}

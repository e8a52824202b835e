using System.Text.Json;
using Mnigs.Core.Protocol;

namespace Mnigs.Core.Tests.Protocol;

public sealed class RpcParamsTests
{
    private static readonly string[] Names = ["sid", "name", "port", "method", "options"];

    private static RpcParams Bind(string json, IReadOnlyList<string>? names = null) =>
        RpcParams.Bind(JsonDocument.Parse(json).RootElement.Clone(), names ?? Names);

    private static string Refused(Action read) => Assert.Throws<RpcParamException>(read).Message;

    [Fact]
    public void Positional_params_bind_to_the_declared_names_in_order()
    {
        var p = Bind("""["abc", "laptop", 65533, "babel-wireguard-free", {"publicKey":"k"}]""");

        Assert.Equal("abc", p.String("sid"));
        Assert.Equal("laptop", p.String("name"));
        Assert.Equal(65533, p.Int("port", 0, 65535));
        Assert.Equal("babel-wireguard-free", p.String("method"));
        Assert.Equal("k", p.Object("options")!["publicKey"]!.GetValue<string>());
    }

    [Fact]
    public void Fewer_positional_params_leave_the_rest_absent()
    {
        var p = Bind("""["abc"]""");

        Assert.True(p.Has("sid"));
        Assert.False(p.Has("name"));
        Assert.Null(p.String("name"));
        Assert.Null(p.Int("port", 0, 65535));
        Assert.Null(p.Object("options"));
    }

    [Fact]
    public void Named_params_bind_by_name_in_any_order()
    {
        var p = Bind("""{"port": 1, "sid": "s"}""");

        Assert.Equal("s", p.String("sid"));
        Assert.Equal(1, p.Int("port", 0, 65535));
        Assert.False(p.Has("name"));
    }

    [Fact]
    public void Null_counts_as_absent()
    {
        var positional = Bind("""[null, "n"]""");
        var named = Bind("""{"sid": null}""");

        Assert.False(positional.Has("sid"));
        Assert.Equal("n", positional.String("name"));
        Assert.False(named.Has("sid"));
        Assert.Contains("'sid' is required", Refused(() => named.String("sid", required: true)));
    }

    [Fact]
    public void No_params_at_all_bind_nothing()
    {
        var p = RpcParams.Bind(null, Names);

        Assert.False(p.Has("sid"));
        Assert.Contains("'method' is required", Refused(() => p.String("method", required: true)));
        Assert.Contains("'port' is required", Refused(() => p.Int("port", 0, 10, required: true)));
    }

    [Fact]
    public void An_unknown_named_param_is_refused_by_name()
    {
        var message = Refused(() => Bind("""{"sid": "s", "evil": 1}"""));

        Assert.Contains("unknown parameter 'evil'", message);
    }

    [Fact]
    public void A_huge_unknown_param_name_is_not_echoed_whole()
    {
        var name = new string('x', 10_000);

        var message = Refused(() => Bind($$"""{"{{name}}": 1}"""));

        Assert.True(message.Length < 100, message);
    }

    [Fact]
    public void Too_many_positional_params_are_refused()
    {
        Assert.Contains("too many parameters", Refused(() => Bind("""["a","b",1,"m",{},"extra"]""")));
        Assert.Contains("at most 0", Refused(() => Bind("""[1]""", [])));
    }

    [Fact]
    public void Param_names_are_case_sensitive()
    {
        Assert.Contains("unknown parameter 'SID'", Refused(() => Bind("""{"SID": "s"}""")));
    }

    [Theory]
    [InlineData("""{"sid": 5}""")]
    [InlineData("""{"sid": true}""")]
    [InlineData("""{"sid": ["s"]}""")]
    [InlineData("""{"sid": {"s":1}}""")]
    public void A_string_param_of_another_type_is_refused(string json)
    {
        Assert.Contains("'sid' must be a string", Refused(() => Bind(json).String("sid")));
    }

    [Fact]
    public void A_string_longer_than_its_limit_is_refused()
    {
        var p = Bind($$"""{"name": "{{new string('n', 65)}}", "sid": "{{new string('s', 64)}}"}""");

        Assert.Contains("'name' is longer than 64 characters", Refused(() => p.String("name", 64)));
        Assert.Equal(64, p.String("sid", 64)!.Length);
    }

    [Theory]
    [InlineData("\"1\"")]
    [InlineData("1.5")]
    [InlineData("1e3")]
    [InlineData("-1")]
    [InlineData("65536")]
    [InlineData("99999999999999999999")]
    [InlineData("true")]
    [InlineData("[1]")]
    public void A_number_param_out_of_range_or_of_another_type_is_refused(string value)
    {
        var p = Bind($$"""{"port": {{value}}}""");

        Assert.Contains("'port' must be a whole number from 0 to 65535", Refused(() => p.Int("port", 0, 65535)));
    }

    [Fact]
    public void Number_limits_are_inclusive()
    {
        Assert.Equal(0, Bind("""{"port": 0}""").Int("port", 0, 65535));
        Assert.Equal(65535, Bind("""{"port": 65535}""").Int("port", 0, 65535));
    }

    [Fact]
    public void Booleans_are_read_only_from_true_and_false()
    {
        string[] names = ["flag"];
        Assert.True(Bind("""{"flag": true}""", names).Bool("flag"));
        Assert.False(Bind("""{"flag": false}""", names).Bool("flag"));
        Assert.Null(Bind("""{}""", names).Bool("flag"));
        Assert.Contains("'flag' must be true or false", Refused(() => Bind("""{"flag": "yes"}""", names).Bool("flag")));
        Assert.Contains("'flag' must be true or false", Refused(() => Bind("""{"flag": 1}""", names).Bool("flag")));
    }

    [Fact]
    public void An_object_param_must_be_an_object_within_its_size()
    {
        Assert.Contains("'options' must be an object", Refused(() => Bind("""{"options": "k"}""").Object("options")));
        Assert.Contains("'options' must be an object", Refused(() => Bind("""{"options": [1]}""").Object("options")));

        var big = Bind($$$"""{"options": {"publicKey": "{{{new string('k', 5000)}}}"}}""");
        Assert.Contains("'options' is larger than 4096 bytes", Refused(() => big.Object("options")));
    }

    [Fact]
    public void A_string_list_accepts_one_string_or_an_array_of_strings()
    {
        string[] names = ["set"];

        Assert.Equal(["a=b"], Bind("""{"set": "a=b"}""", names).StringList("set"));
        Assert.Equal(["a=b", "c=d"], Bind("""{"set": ["a=b", "c=d"]}""", names).StringList("set"));
        Assert.Contains("'set' must be a list of strings", Refused(() => Bind("""{"set": ["a", 1]}""", names).StringList("set")));
        Assert.Contains("must be a list of at most 2 strings",
            Refused(() => Bind("""{"set": ["a", "b", "c"]}""", names).StringList("set", maxItems: 2)));
        Assert.Contains("'set' must be a list", Refused(() => Bind("""{"set": {"a": "b"}}""", names).StringList("set")));
        Assert.Contains("'set' must be a list of strings",
            Refused(() => Bind($$"""{"set": ["{{new string('v', 600)}}"]}""", names).StringList("set")));
    }
}

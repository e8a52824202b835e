using Mnigs.Networks.Yggdrasil;

namespace Mnigs.Tests.Networks.Yggdrasil;

public class YggdrasilEndpointTests
{
    [Theory]
    [InlineData("unix:///var/run/yggdrasil.sock", "/var/run/yggdrasil.sock")]
    [InlineData("unix:///run/mnigs-lab/P/ysub.sock", "/run/mnigs-lab/P/ysub.sock")]
    [InlineData("/var/run/yggdrasil/yggdrasil.sock", "/var/run/yggdrasil/yggdrasil.sock")]
    [InlineData("unix://@yggdrasil", "@yggdrasil")]
    public void Unix_sockets_are_paths(string text, string path)
    {
        Assert.True(YggdrasilEndpoint.TryParse(text, out var endpoint, out _));

        Assert.Equal(path, endpoint.UnixPath);
        Assert.Equal(path, endpoint.Where);
        Assert.Equal(text, endpoint.ToString());
    }

    [Theory]
    [InlineData("tcp://127.0.0.1:9001", "127.0.0.1", 9001)]
    [InlineData("tcp://localhost:9001", "localhost", 9001)]
    [InlineData("tcp://[::1]:9001", "::1", 9001)]
    public void Tcp_endpoints_are_host_and_port(string text, string host, int port)
    {
        Assert.True(YggdrasilEndpoint.TryParse(text, out var endpoint, out _));

        Assert.Null(endpoint.UnixPath);
        Assert.Equal((host, port), (endpoint.Host, endpoint.Port));
        Assert.Equal(text, endpoint.Where);
    }

    [Theory]
    [InlineData("")]
    [InlineData("unix://")]
    [InlineData("unix://relative/path.sock")]
    [InlineData("tcp://127.0.0.1")]
    [InlineData("tcp://127.0.0.1:0")]
    [InlineData("tcp://127.0.0.1:9001/admin")]
    [InlineData("http://127.0.0.1:9001")]
    [InlineData("127.0.0.1:9001")]
    public void Anything_else_is_refused_with_what_to_write(string text)
    {
        Assert.False(YggdrasilEndpoint.TryParse(text, out _, out var error));

        Assert.Equal($"bad yggdrasil admin endpoint \"{text}\": use unix:///path/to/socket or tcp://host:port", error);
    }

    [Fact]
    public void The_default_is_yggdrasils_own() =>
        Assert.Equal("unix:///var/run/yggdrasil.sock", new YggdrasilOptions().AdminEndpoint);
}

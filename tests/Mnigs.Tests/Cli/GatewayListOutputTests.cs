using System.Text.Json.Nodes;
using Mnigs.Cli;
using Mnigs.Discovery;

namespace Mnigs.Tests.Cli;

public sealed class GatewayListOutputTests
{
    [Fact]
    public void List_shows_every_network_a_gateway_was_found_on_once()
    {
        var entry = new GatewayList.Entry { Id = "gw-id", Name = "rooftop", Port = 65533, Suites = ["babel-wireguard-free", "yggdrasil-wireguard-free"] };
        entry.AddAddress("babel", "10.78.0.3");
        entry.AddAddress("babel", "fd78::3");
        entry.AddAddress("yggdrasil", "200:1234::1");
        entry.Sources.Add("directory");

        var text = Output.Gateways(new JsonObject { ["gateways"] = new JsonArray(GatewayList.Describe(entry)) });

        var lines = text.Split('\n');
        Assert.Contains("NETWORKS", lines[0]);
        Assert.Matches(@"rooftop\s+10\.78\.0\.3\s+65533\s+babel,yggdrasil\s+", lines[1]);
    }
}

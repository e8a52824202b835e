using System.Net;
using Mnigs.Core.Host;

namespace Mnigs.Core.Tests.Host;

public sealed class NftablesRulesetTests
{
    private static readonly FirewallSpec Gateway = new()
    {
        MasqueradeSources = [IPNetwork.Parse("10.201.0.0/24"), IPNetwork.Parse("fd6d:6e69:6773::/64")],
        Uplink = "eth0",
        SubscriberInterfaces = ["mnwg0"],
        ClampMss = true,
        TunnelPorts = [51820],
    };

    [Fact]
    public void A_gateway_masquerades_its_subscribers_to_the_uplink_only_and_clamps_mss()
    {
        Assert.Equal(
            """
            table inet mnigs {
            	chain postrouting {
            		type nat hook postrouting priority srcnat; policy accept;
            		oifname "eth0" ip saddr 10.201.0.0/24 masquerade
            		oifname "eth0" ip6 saddr fd6d:6e69:6773::/64 masquerade
            	}
            	chain forward {
            		type filter hook forward priority filter; policy accept;
            		tcp flags syn tcp option maxseg size set rt mtu
            		ct state established,related accept
            		iifname "mnwg0" oifname != "eth0" drop
            	}
            }

            """.ReplaceLineEndings("\n"),
            NftablesRuleset.Render(Gateway));
    }

    [Fact]
    public void The_replace_script_deletes_the_old_table_in_the_same_transaction() =>
        Assert.Equal("table inet mnigs\ndelete table inet mnigs\n" + NftablesRuleset.Render(Gateway), NftablesRuleset.ReplaceScript(Gateway));

    [Fact]
    public void An_empty_spec_only_deletes_the_table() =>
        Assert.Equal("table inet mnigs\ndelete table inet mnigs\n", NftablesRuleset.ReplaceScript(FirewallSpec.None));

    [Fact]
    public void A_subscriber_only_clamps_mss() =>
        Assert.Equal(
            """
            table inet mnigs {
            	chain forward {
            		type filter hook forward priority filter; policy accept;
            		tcp flags syn tcp option maxseg size set rt mtu
            	}
            }

            """.ReplaceLineEndings("\n"),
            NftablesRuleset.Render(new FirewallSpec { ClampMss = true }));

    [Fact]
    public void Without_an_uplink_subscribers_cannot_leave_at_all() =>
        Assert.Contains("\t\tiifname \"mnwg0\" drop\n", NftablesRuleset.Render(Gateway with { Uplink = null }));

    [Theory]
    [InlineData("eth0\" accept; #")]
    [InlineData("a b")]
    [InlineData("waytoolonginterface0")]
    public void Interface_names_that_could_inject_rules_are_refused(string name) =>
        Assert.Throws<ArgumentException>(() => NftablesRuleset.Render(Gateway with { Uplink = name }));
}

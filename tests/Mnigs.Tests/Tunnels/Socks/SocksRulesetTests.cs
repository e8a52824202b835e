using System.Net;
using Mnigs.Core.Host;

namespace Mnigs.Tests.Tunnels.Socks;

/// <summary>The socks tunnel's part of the nftables table <c>inet mnigs</c>, exactly as nft receives it.</summary>
public sealed class SocksRulesetTests
{
    [Fact]
    public void The_gateway_resets_tcp_to_the_socks_port_from_anyone_but_the_sessions_and_itself()
    {
        var spec = new FirewallSpec { Socks = new SocksFirewall { GatewayPort = 1080, Clients = [IPAddress.Parse("10.77.0.1"), IPAddress.Parse("10.77.0.2")] } };

        Assert.False(spec.IsEmpty);
        Assert.Equal("""
            table inet mnigs {
            	set socks_clients4 {
            		type ipv4_addr;
            		elements = { 10.77.0.1, 10.77.0.2 }
            	}
            	chain socks_gateway {
            		type filter hook input priority filter; policy accept;
            		iifname != "lo" tcp dport 1080 ip saddr != @socks_clients4 reject with tcp reset
            	}
            }

            """, NftablesRuleset.Render(spec));
    }

    [Fact]
    public void With_no_sessions_the_socks_port_is_closed_to_all()
    {
        var text = NftablesRuleset.Render(new FirewallSpec { Socks = new SocksFirewall { GatewayPort = 1080 } });

        Assert.Contains("\tset socks_clients4 {\n\t\ttype ipv4_addr;\n\t}\n", text);
        Assert.Contains("ip saddr != @socks_clients4 reject with tcp reset", text);
    }

    [Fact]
    public void The_subscriber_redirects_what_the_loopback_default_route_carries_and_refuses_the_rest()
    {
        var spec = new FirewallSpec { Socks = new SocksFirewall { RedirectPort = 12380 } };

        Assert.False(spec.IsEmpty);
        Assert.Equal("""
            table inet mnigs {
            	chain socks_redirect {
            		type nat hook output priority -100; policy accept;
            		oifname "lo" fib daddr type != local meta nfproto ipv4 meta l4proto tcp redirect to :12380
            		oifname "lo" fib daddr type != local meta nfproto ipv4 udp dport 53 redirect to :12380
            	}
            	chain socks_only {
            		type filter hook output priority filter; policy accept;
            		oifname "lo" fib daddr type != local meta nfproto ipv4 reject
            	}
            }

            """, NftablesRuleset.Render(spec));
    }

    [Fact]
    public void The_socks_rules_go_with_the_others_in_the_one_table_and_leave_it_with_them()
    {
        var gateway = new FirewallSpec { MasqueradeSources = [IPNetwork.Parse("10.201.0.0/24")], Uplink = "up0", SubscriberInterfaces = ["mnabcdg0"], ClampMss = true };
        var merged = gateway.Merge(new FirewallSpec { Socks = new SocksFirewall { GatewayPort = 1080, Clients = [IPAddress.Parse("10.77.0.1")] } });

        var script = NftablesRuleset.ReplaceScript(merged);

        Assert.StartsWith("table inet mnigs\ndelete table inet mnigs\ntable inet mnigs {\n\tchain postrouting {", script);
        Assert.Contains("\tchain forward {\n", script);
        Assert.Contains("\tchain socks_gateway {\n", script);
        Assert.Equal("table inet mnigs\ndelete table inet mnigs\n", NftablesRuleset.ReplaceScript(merged with { Socks = SocksFirewall.None, MasqueradeSources = [], SubscriberInterfaces = [], ClampMss = false }));
    }

    [Fact]
    public void A_port_out_of_range_is_refused()
    {
        Assert.Throws<ArgumentException>(() => NftablesRuleset.Render(new FirewallSpec { Socks = new SocksFirewall { RedirectPort = 0 } }));
        Assert.Throws<ArgumentException>(() => NftablesRuleset.Render(new FirewallSpec { Socks = new SocksFirewall { GatewayPort = 65536 } }));
    }
}

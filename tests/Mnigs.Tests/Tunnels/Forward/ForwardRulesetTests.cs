using System.Net;
using Mnigs.Core.Host;

namespace Mnigs.Tests.Tunnels.Forward;

/// <summary>The forward tunnel's part of the nftables table <c>inet mnigs</c>, exactly as nft receives it.</summary>
public sealed class ForwardRulesetTests
{
    private static ForwardSource Source(string address, double seconds) => new(IPAddress.Parse(address), TimeSpan.FromSeconds(seconds));

    [Fact]
    public void Only_the_sessions_addresses_reach_the_uplink_from_the_mesh_each_until_its_lease_ends()
    {
        var spec = new FirewallSpec
        {
            Uplink = "gw-up0",
            Forward = new ForwardFirewall
            {
                MeshInterfaces = ["seg0", "bat0"],
                Sources = [Source("10.79.0.11", 299.5), Source("fd79::12", 12)],
            },
        };

        Assert.False(spec.IsEmpty);
        Assert.Equal("""
            table inet mnigs {
            	set forward_sources4 {
            		type ipv4_addr; flags timeout;
            		elements = { 10.79.0.11 timeout 299500ms }
            	}
            	set forward_sources6 {
            		type ipv6_addr; flags timeout;
            		elements = { fd79::12 timeout 12000ms }
            	}
            	chain forward_sources {
            		type filter hook forward priority filter; policy accept;
            		iifname { "seg0", "bat0" } oifname "gw-up0" ip saddr != @forward_sources4 drop
            		iifname { "seg0", "bat0" } oifname "gw-up0" ip6 saddr != @forward_sources6 drop
            	}
            	chain forward_masquerade {
            		type nat hook postrouting priority srcnat; policy accept;
            		iifname { "seg0", "bat0" } oifname "gw-up0" ip saddr @forward_sources4 masquerade
            		iifname { "seg0", "bat0" } oifname "gw-up0" ip6 saddr @forward_sources6 masquerade
            	}
            }

            """, NftablesRuleset.Render(spec));
    }

    [Fact]
    public void With_no_live_session_everything_from_the_mesh_to_the_uplink_is_dropped()
    {
        var text = NftablesRuleset.Render(new FirewallSpec
        {
            Uplink = "gw-up0",
            Forward = new ForwardFirewall { MeshInterfaces = ["seg0"], Sources = [Source("10.79.0.11", 0), Source("10.79.0.12", -3)] },
        });

        Assert.Contains("\tset forward_sources4 {\n\t\ttype ipv4_addr; flags timeout;\n\t}\n", text);
        Assert.Contains("iifname { \"seg0\" } oifname \"gw-up0\" ip saddr != @forward_sources4 drop\n", text);
        Assert.DoesNotContain("10.79.0.1", text);
    }

    [Fact]
    public void An_address_of_two_sessions_stays_as_long_as_the_longer_lease_and_a_part_of_a_millisecond_counts_whole()
    {
        var text = NftablesRuleset.Render(new FirewallSpec
        {
            Uplink = "up0",
            Forward = new ForwardFirewall { MeshInterfaces = ["seg0"], Sources = [Source("10.79.0.11", 10), Source("10.79.0.11", 250.0001), Source("10.79.0.13", 0.0001)] },
        });

        Assert.Contains("elements = { 10.79.0.11 timeout 250001ms, 10.79.0.13 timeout 1ms }", text);
    }

    [Fact]
    public void The_forward_rules_need_the_uplink_and_plain_interface_names()
    {
        var forward = new ForwardFirewall { MeshInterfaces = ["seg0"], Sources = [Source("10.79.0.11", 10)] };

        Assert.Throws<ArgumentException>(() => NftablesRuleset.Render(new FirewallSpec { Forward = forward }));
        Assert.Throws<ArgumentException>(() => NftablesRuleset.Render(new FirewallSpec
        {
            Uplink = "up0",
            Forward = forward with { MeshInterfaces = ["seg0\" accept #"] },
        }));
    }
}

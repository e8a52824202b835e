using System.Net;
using Mnigs.Core.Host;

namespace Mnigs.Tests.Payments;

/// <summary>The payment gate as nft text: what the kernel is told to enforce.</summary>
public sealed class PaymentRulesetTests
{
    private static readonly IPAddress Pending4 = IPAddress.Parse("10.201.0.3");
    private static readonly IPAddress Paid4 = IPAddress.Parse("10.201.0.2");
    private static readonly IPAddress Paid6 = IPAddress.Parse("fd6d:6e69:6773::2");

    private static readonly FirewallSpec Gateway = new()
    {
        MasqueradeSources = [IPNetwork.Parse("10.201.0.0/24")],
        Uplink = "eth0",
        SubscriberInterfaces = ["mnwg0"],
        Payment = new PaymentFirewall
        {
            Pending = [Pending4],
            Paid = [new PaidSource("pay_v7", [Paid4, Paid6], LimitBytes: 1_000_000, UsedBytes: 5_000, TimeLeft: TimeSpan.FromSeconds(3599.2))],
            PagePort = 65533,
        },
    };

    [Fact]
    public void Pending_sources_reach_only_the_page_and_paid_ones_count_against_their_quota_to_and_from_the_uplink()
    {
        var text = NftablesRuleset.Render(Gateway);

        Assert.Contains(
            """
            	set pay_all4 {
            		type ipv4_addr
            		elements = { 10.201.0.3, 10.201.0.2 }
            	}
            	set pay_paid4 {
            		type ipv4_addr
            		flags timeout
            		elements = { 10.201.0.2 timeout 3600s }
            	}
            	set pay_all6 {
            		type ipv6_addr
            		elements = { fd6d:6e69:6773::2 }
            	}
            	set pay_paid6 {
            		type ipv6_addr
            		flags timeout
            		elements = { fd6d:6e69:6773::2 timeout 3600s }
            	}
            	quota pay_v7 {
            		over 1000000 bytes used 5000 bytes
            	}
            	chain pay_forward {
            		type filter hook forward priority filter - 10; policy accept;
            		ip saddr @pay_all4 ip saddr != @pay_paid4 drop
            		ip daddr @pay_all4 ip daddr != @pay_paid4 drop
            		ip6 saddr @pay_all6 ip6 saddr != @pay_paid6 drop
            		ip6 daddr @pay_all6 ip6 daddr != @pay_paid6 drop
            		ip saddr 10.201.0.2 oifname "eth0" quota name "pay_v7" drop
            		ip daddr 10.201.0.2 iifname "eth0" quota name "pay_v7" drop
            		ip6 saddr fd6d:6e69:6773::2 oifname "eth0" quota name "pay_v7" drop
            		ip6 daddr fd6d:6e69:6773::2 iifname "eth0" quota name "pay_v7" drop
            	}
            	chain pay_input {
            		type filter hook input priority filter - 10; policy accept;
            		ip saddr @pay_all4 ip saddr != @pay_paid4 tcp dport 65533 accept
            		ip saddr @pay_all4 ip saddr != @pay_paid4 icmp type echo-request accept
            		ip saddr @pay_all4 ip saddr != @pay_paid4 drop
            """.ReplaceLineEndings("\n"), text);
        // The gateway's own chains are still there, and the table closes after the payment gate.
        Assert.Contains("\tchain forward {\n", text);
        Assert.EndsWith("\t}\n}\n", text);
    }

    [Fact]
    public void A_voucher_without_data_limit_has_no_quota_and_one_without_time_limit_no_timeout()
    {
        var text = NftablesRuleset.Render(new FirewallSpec
        {
            Uplink = "eth0",
            Payment = new PaymentFirewall
            {
                Paid = [new PaidSource("pay_v1", [Paid4], LimitBytes: null, UsedBytes: 0, TimeLeft: null)],
                PagePort = 8080,
            },
        });

        Assert.Contains("elements = { 10.201.0.2 }\n", text);
        Assert.DoesNotContain("quota", text);
        Assert.DoesNotContain("timeout 0", text);
        Assert.Contains("tcp dport 8080 accept", text);
    }

    [Fact]
    public void No_payment_gate_renders_nothing_of_it_and_keeps_an_otherwise_empty_spec_empty()
    {
        Assert.DoesNotContain("pay_", NftablesRuleset.Render(Gateway with { Payment = PaymentFirewall.None }));
        Assert.True(FirewallSpec.None.IsEmpty);
        Assert.False(new FirewallSpec { Payment = Gateway.Payment }.IsEmpty);
    }

    [Fact]
    public void A_quota_name_that_could_change_the_rules_is_refused()
    {
        var bad = Gateway with
        {
            Payment = Gateway.Payment with { Paid = [new PaidSource("pay_v1\" accept #", [Paid4], 10, 0, null)] },
        };
        Assert.Throws<ArgumentException>(() => NftablesRuleset.Render(bad));
    }

    [Fact]
    public void Replacing_the_table_starts_each_quota_from_the_kernels_count_when_that_is_more()
    {
        var carried = NftablesPaymentRules.CarryOver(Gateway.Payment, new Dictionary<string, long> { ["pay_v7"] = 812_345, ["pay_v9"] = 1 });
        Assert.Equal(812_345, Assert.Single(carried.Paid).UsedBytes);

        // A kernel that counts less (the table was made again from the store after a restart) never gives bytes back.
        var behind = NftablesPaymentRules.CarryOver(Gateway.Payment, new Dictionary<string, long> { ["pay_v7"] = 10 });
        Assert.Equal(5_000, Assert.Single(behind.Paid).UsedBytes);
    }

    [Fact]
    public void The_quotas_of_mnigs_table_are_read_from_nft_json_and_others_left_out()
    {
        const string listed = """
            {"nftables": [{"metainfo": {"version": "1.0.6", "release_name": "Lester Gooch #5", "json_schema_version": 1}},
             {"quota": {"family": "inet", "name": "pay_v12", "table": "mnigs", "handle": 3, "bytes": 1000000, "used": 5000, "inv": true}},
             {"quota": {"family": "inet", "name": "pay_v12", "table": "other", "handle": 3, "bytes": 10, "used": 99, "inv": true}},
             {"quota": {"family": "ip", "name": "pay_v13", "table": "mnigs", "handle": 4, "bytes": 10, "used": 98, "inv": true}}]}
            """;

        Assert.Equal(new Dictionary<string, long> { ["pay_v12"] = 5000 }, NftablesPaymentRules.ParseQuotas(listed));
        Assert.Empty(NftablesPaymentRules.ParseQuotas("""{"nftables": [{"metainfo": {"version": "1.0.6"}}]}"""));
        Assert.Throws<FormatException>(() => NftablesPaymentRules.ParseQuotas("""{"something": 1}"""));
    }
}

using Mnigs.Core.Config;
using Mnigs.Core.Selection;
using Mnigs.Gateway;
using Mnigs.Networks;
using Mnigs.Platform;
using Mnigs.Subscriber;
using Mnigs.Tunnels;

namespace Mnigs.Rpc;

/// <summary>
/// The <c>problems</c> of status: what keeps this node from working that the operator must fix, one
/// plain sentence each, and nothing when all is well.
/// </summary>
public static class StatusProblems
{
    public static List<string> Find(MnigsConfig config, NetworkMonitor networks, IReadOnlyDictionary<string, ITunnelAdapter> tunnels,
        HostFacts facts, GatewayService gateway, SubscriberService subscriber, Autopilot autopilot)
    {
        var problems = new List<string>();
        foreach (var snapshot in networks.Snapshots.Values.Where(s => !s.Health.Available))
            problems.Add(snapshot.Health.Message);
        if (networks.Snapshots.Count == 0)
            problems.Add("No mesh network is enabled: set enabled = yes in one of [babel], [yggdrasil], [cjdns], [olsr], [batman-adv] or [layer2]");

        var tunnelChecks = tunnels.Values.Select(t => t.Check(facts)).ToList();
        if (tunnelChecks.Count == 0)
            problems.Add("No tunnel is enabled: set enabled = yes in [wireguard]");
        else if (!tunnelChecks.Any(c => c.Available))
            problems.AddRange(tunnelChecks.Select(c => c.Message));

        // A missing network or tunnel is said above; the gateway's own reason is news only otherwise.
        if (config.GatewayEnabled && gateway.NotServingReason is { } reason && (problems.Count == 0 || gateway.Uplink is null))
            problems.Add("The gateway is enabled but not serving: " + reason);

        if (subscriber.Current is { Payment.Required: true } unpaid)
            problems.Add($"Payment required by {unpaid.GatewayName} ({unpaid.GatewayAddress}): "
                + (unpaid.Payment.Reason is { } why ? why + "; " : "")
                + $"redeem a voucher at {unpaid.Payment.Page ?? "its payment page"} or with mnigs-cli pay CODE");
        if (autopilot.Engaged && subscriber.Current is null && autopilot.LastDecision is { Kind: DecisionKind.NoneAvailable } decision)
            problems.Add("No gateway is reachable: " + decision.Reason);
        return problems;
    }
}

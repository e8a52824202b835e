namespace Mnigs.Core.Selection;

/// <summary>A change of <see cref="LinkState"/> reported by a <see cref="DownDetector"/>.</summary>
/// <param name="Reason">Why, when <paramref name="State"/> is <see cref="LinkState.Down"/>.</param>
public readonly record struct LinkTransition(LinkState State, DownReason? Reason, DateTimeOffset At)
{
    public override string ToString() => Reason switch
    {
        null => $"{State}",
        DownReason.MissedProbes => "down: probes went unanswered",
        DownReason.RenewFailed => "down: the gateway did not renew the session",
        DownReason.GatewayWithdrew => "down: the gateway withdrew its record",
        DownReason.TunnelLost => "down: the tunnel went away",
        _ => $"down: {Reason}",
    };
}

namespace Mnigs.Core.Selection;

/// <summary>Why a tunnel was declared down.</summary>
public enum DownReason
{
    /// <summary>The configured number of probes in a row went unanswered.</summary>
    MissedProbes,

    /// <summary>The gateway refused or did not answer renewConnection.</summary>
    RenewFailed,

    /// <summary>The gateway withdrew its directory record.</summary>
    GatewayWithdrew,

    /// <summary>The tunnel adapter reported the tunnel gone (interface removed, helper process died).</summary>
    TunnelLost,
}

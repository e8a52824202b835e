using Mnigs.Platform;

namespace Mnigs.Tunnels.SoftEther;

/// <summary>Full paths of what the <c>softether</c> tunnel runs, as <see cref="HostFacts.Program"/> found them.</summary>
public sealed record SoftEtherPrograms(string VpnServer, string VpnClient, string VpnCmd, string Unshare)
{
    public static readonly IReadOnlyList<string> Needed = ["vpnserver", "vpnclient", "vpncmd", "unshare"];

    /// <summary>The programs, or null when one is not installed.</summary>
    public static SoftEtherPrograms? From(HostFacts facts) =>
        facts.Program("vpnserver") is { } server && facts.Program("vpnclient") is { } client
        && facts.Program("vpncmd") is { } vpncmd && facts.Program("unshare") is { } unshare
            ? new SoftEtherPrograms(server, client, vpncmd, unshare)
            : null;
}

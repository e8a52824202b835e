namespace Mnigs.Platform;

/// <summary>
/// Where Mnigs' marks on the host are: interface names start with <paramref name="InterfacePrefix"/>,
/// routes live in table <paramref name="RoutingTable"/>, policy rules at <paramref name="RulePriority"/>
/// and the next priority, and what has to be restored later (forwarding, resolv.conf) is saved in
/// <paramref name="StateDir"/>. These alone let <see cref="LinuxPlatform.CleanupAsync"/> find everything.
/// </summary>
public sealed record PlatformOptions(string InterfacePrefix, int RoutingTable, int RulePriority, string StateDir)
{
    /// <summary>Root of the sysctl tree; tests point it at a temporary directory.</summary>
    public string ProcSysRoot { get; init; } = "/proc/sys";

    /// <summary>Where wireguard-go serves its configuration sockets (shared by every namespace on the host).</summary>
    public string WireGuardSocketDirectory { get; init; } = "/var/run/wireguard";

    /// <summary>The resolver file the host uses (read for facts).</summary>
    public string ResolvConf { get; init; } = "/etc/resolv.conf";

    public TimeSpan CommandTimeout { get; init; } = CommandRequest.DefaultTimeout;
}

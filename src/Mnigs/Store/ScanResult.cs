namespace Mnigs.Store;

/// <summary>A finished scan: the hosts it reached and the links between them.</summary>
public sealed record ScanResult(
    long Id,
    DateTimeOffset StartedAt,
    DateTimeOffset FinishedAt,
    int HostsProbed,
    int GatewaysFound,
    IReadOnlyList<ScanHost> Hosts,
    IReadOnlyList<ScanLink> Links);

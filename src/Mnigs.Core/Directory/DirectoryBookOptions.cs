namespace Mnigs.Core.Directory;

public sealed record DirectoryBookOptions
{
    /// <summary>A record may not be valid for longer than this from now (publishers re-sign well within it).</summary>
    public TimeSpan MaxLifetime { get; init; } = TimeSpan.FromHours(1);

    /// <summary>How far a publisher's clock may run ahead of ours.</summary>
    public TimeSpan ClockSkew { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// The most nodes held. Keys cost nothing to make, so a hostile peer could otherwise fill memory;
    /// 16384 records of at most 4 KiB is 64 MiB at worst.
    /// </summary>
    public int MaxRecords { get; init; } = 16384;
}

namespace Mnigs.Store;

/// <summary>
/// One probe of a gateway. <see cref="Gateway"/> is whatever key the caller uses for it (node id,
/// or address:port for a gateway without one); <see cref="RttMs"/> is null when every probe was lost.
/// </summary>
public sealed record QualitySample(string Gateway, DateTimeOffset At, double? RttMs, double Loss);

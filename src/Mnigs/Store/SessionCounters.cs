namespace Mnigs.Store;

/// <summary>Traffic a gateway session has carried, as the tunnel adapter last reported it.</summary>
public readonly record struct SessionCounters(long BytesIn, long BytesOut);

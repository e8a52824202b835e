using Mnigs.Core.Host;
using Mnigs.Platform;

namespace Mnigs.Daemon;

/// <summary>
/// Each part of the daemon (gateway, subscriber) owns one slice of the desired host state; this merges
/// the slices and hands the whole to the platform, one apply at a time.
/// </summary>
public sealed class HostStateCoordinator(IHostPlatform platform, ILogger<HostStateCoordinator> log)
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<string, HostState> _parts = new(StringComparer.Ordinal);

    public HostState Current { get; private set; } = HostState.Empty;

    public async Task SetAsync(string part, HostState state, CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            _parts[part] = state;
            var merged = _parts.OrderBy(p => p.Key, StringComparer.Ordinal).Aggregate(HostState.Empty, (acc, p) => acc.Merge(p.Value));
            await platform.ApplyAsync(merged, ct);
            Current = merged;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            log.LogError("Applying host state for {Part} failed: {Error}", part, e.Message);
            throw;
        }
        finally
        {
            _gate.Release();
        }
    }
}

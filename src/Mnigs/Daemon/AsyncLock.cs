namespace Mnigs.Daemon;

/// <summary>A mutual-exclusion lock for async code: <c>using (await gate.EnterAsync(ct)) { ... }</c>.</summary>
public sealed class AsyncLock
{
    private readonly SemaphoreSlim _semaphore = new(1, 1);

    public async ValueTask<Held> EnterAsync(CancellationToken ct)
    {
        await _semaphore.WaitAsync(ct);
        return new Held(_semaphore);
    }

    /// <summary>Waits without a token: for shutdown paths that must run to the end.</summary>
    public ValueTask<Held> EnterAsync() => EnterAsync(CancellationToken.None);

    public readonly struct Held(SemaphoreSlim semaphore) : IDisposable
    {
        public void Dispose() => semaphore.Release();
    }
}

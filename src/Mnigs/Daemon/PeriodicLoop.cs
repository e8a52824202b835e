namespace Mnigs.Daemon;

/// <summary>A background loop: <c>action</c> once per period until stopped; a failed round is logged and the loop goes on.</summary>
public static class PeriodicLoop
{
    public static async Task RunAsync(TimeSpan period, Func<CancellationToken, Task> action, ILogger log, string what,
        CancellationToken stop, TimeProvider? time = null)
    {
        using var timer = new PeriodicTimer(period, time ?? TimeProvider.System);
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                try
                {
                    await action(stop);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    log.LogError(e, "{What} failed", what);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}

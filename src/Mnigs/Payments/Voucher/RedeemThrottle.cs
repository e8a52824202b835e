using System.Net;

namespace Mnigs.Payments.Voucher;

/// <summary>
/// Limits how often one address may try a wrong voucher code: <see cref="MaxFailures"/> wrong codes within
/// <see cref="Window"/>, then nothing until the oldest of them is that old. Codes have 60 random bits, so
/// this only makes guessing slower still, and it keeps a peer from making the gateway search the store
/// thousands of times a second. Right codes are not counted.
/// </summary>
public sealed class RedeemThrottle(TimeProvider time)
{
    public const int MaxFailures = 5;
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    // At most this many addresses are remembered; the oldest go first, so a flood of addresses costs bounded memory.
    private const int MaxAddresses = 4096;

    private readonly Lock _lock = new();
    private readonly Dictionary<IPAddress, Queue<DateTimeOffset>> _failures = [];

    /// <summary>How long <paramref name="address"/> must wait before it may try again; zero when it may now.</summary>
    public TimeSpan WaitFor(IPAddress address)
    {
        var now = time.GetUtcNow();
        lock (_lock)
        {
            if (!_failures.TryGetValue(Normalize(address), out var recent))
                return TimeSpan.Zero;
            Trim(recent, now);
            return recent.Count < MaxFailures ? TimeSpan.Zero : recent.Peek() + Window - now;
        }
    }

    /// <summary>Counts a wrong code from <paramref name="address"/>.</summary>
    public void Failed(IPAddress address)
    {
        var now = time.GetUtcNow();
        lock (_lock)
        {
            var key = Normalize(address);
            if (!_failures.TryGetValue(key, out var recent))
            {
                if (_failures.Count >= MaxAddresses)
                    _failures.Remove(_failures.MinBy(f => f.Value.Count > 0 ? f.Value.Last() : DateTimeOffset.MinValue).Key);
                _failures[key] = recent = new Queue<DateTimeOffset>();
            }
            Trim(recent, now);
            recent.Enqueue(now);
        }
    }

    private static void Trim(Queue<DateTimeOffset> recent, DateTimeOffset now)
    {
        while (recent.Count > 0 && recent.Peek() + Window <= now)
            recent.Dequeue();
    }

    private static IPAddress Normalize(IPAddress a) => a.IsIPv4MappedToIPv6 ? a.MapToIPv4() : a;
}

using Mnigs.Core.Host;

namespace Mnigs.Tunnels.KernelTunnels;

/// <summary>
/// Names of the gateway's per-session links, shared by the <c>ipip</c> and <c>gre</c> tunnels: Mnigs' interface
/// scheme (<see cref="InterfaceNames"/>) with the role letter g and an index from <see cref="FirstIndex"/> to
/// <see cref="LastIndex"/> (g0 to g9 stay for tunnels with one gateway interface, such as WireGuard's g0). A session
/// keeps its index while it lives, so its link is never renamed; a freed index is handed out again.
/// </summary>
public sealed class KernelTunnelNames(string prefix, string tag)
{
    public const int FirstIndex = 10;
    public const int LastIndex = 99;

    private readonly Lock _gate = new();
    private readonly Dictionary<string, (string Tunnel, int Index)> _bySid = new(StringComparer.Ordinal);

    public static int Capacity => LastIndex - FirstIndex + 1;

    /// <summary>Whether another session could get a name now.</summary>
    public bool HasRoom
    {
        get
        {
            lock (_gate)
                return _bySid.Count < Capacity;
        }
    }

    /// <summary>The link name of <paramref name="tunnel"/>'s session <paramref name="sid"/>, given it now if it had none; null when every index is taken.</summary>
    public string? For(string tunnel, string sid)
    {
        lock (_gate)
        {
            if (!_bySid.TryGetValue(sid, out var entry))
            {
                var taken = _bySid.Values.Select(e => e.Index).ToHashSet();
                var index = Enumerable.Range(FirstIndex, Capacity).FirstOrDefault(i => !taken.Contains(i), -1);
                if (index < 0)
                    return null;
                _bySid[sid] = entry = (tunnel, index);
            }
            return InterfaceNames.For(prefix, tag, 'g', entry.Index);
        }
    }

    /// <summary>Frees the names of <paramref name="tunnel"/>'s sessions that are not in <paramref name="live"/>.</summary>
    public void Release(string tunnel, IEnumerable<string> live)
    {
        var keep = live.ToHashSet(StringComparer.Ordinal);
        lock (_gate)
        {
            foreach (var sid in _bySid.Where(e => e.Value.Tunnel == tunnel && !keep.Contains(e.Key)).Select(e => e.Key).ToList())
                _bySid.Remove(sid);
        }
    }
}

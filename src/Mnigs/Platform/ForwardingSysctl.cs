using System.Text;

namespace Mnigs.Platform;

/// <summary>
/// IPv4 and IPv6 forwarding (ip-sysctl.txt: <c>net.ipv4.ip_forward</c>, <c>net.ipv6.conf.all.forwarding</c>).
/// The values found before Mnigs turned them on are saved in <c>forwarding.saved</c> under the state
/// directory, so they come back after a crash too.
/// </summary>
internal sealed class ForwardingSysctl(PlatformOptions options, ILogger log)
{
    private static readonly string[] Keys = ["net/ipv4/ip_forward", "net/ipv6/conf/all/forwarding"];

    private readonly Sysctl _sysctl = new(options, log);

    private string SavedFile => Path.Combine(options.StateDir, "forwarding.saved");

    public async Task ApplyAsync(bool wanted, CancellationToken ct)
    {
        if (!wanted)
        {
            await RestoreAsync(ct);
            return;
        }
        if (!File.Exists(SavedFile))
        {
            var saved = new StringBuilder();
            foreach (var key in Keys)
            {
                if (await ReadAsync(key, ct) is { } value)
                    saved.Append(key).Append('=').Append(value).Append('\n');
            }
            Directory.CreateDirectory(options.StateDir);
            await File.WriteAllTextAsync(SavedFile, saved.ToString(), ct);
        }
        foreach (var key in Keys)
        {
            if (await ReadAsync(key, ct) is { } value && value != "1")
                await WriteAsync(key, "1", ct);
        }
    }

    public async Task RestoreAsync(CancellationToken ct)
    {
        if (!File.Exists(SavedFile))
            return;
        foreach (var line in await File.ReadAllLinesAsync(SavedFile, ct))
        {
            var equals = line.IndexOf('=');
            if (equals <= 0)
                continue;
            var (key, value) = (line[..equals], line[(equals + 1)..]);
            if (Keys.Contains(key) && await ReadAsync(key, ct) is { } current && current != value)
                await WriteAsync(key, value, ct);
        }
        File.Delete(SavedFile);
    }

    // IPv6 may be disabled on this host: then there is no setting, nothing to forward or restore.
    private Task<string?> ReadAsync(string key, CancellationToken ct) => _sysctl.ReadAsync(key, ct);

    private Task WriteAsync(string key, string value, CancellationToken ct) => _sysctl.WriteAsync(key, value, ct);
}

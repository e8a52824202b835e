using System.Text;

namespace Mnigs.Platform;

/// <summary>Kernel settings under /proc/sys (<see cref="PlatformOptions.ProcSysRoot"/>, which tests redirect), read and written as files.</summary>
internal sealed class Sysctl(PlatformOptions options, ILogger log)
{
    /// <summary>The value of <paramref name="key"/> (such as <c>net/ipv4/ip_forward</c>); null when the kernel has no such setting.</summary>
    public async Task<string?> ReadAsync(string key, CancellationToken ct)
    {
        var path = Path.Combine(options.ProcSysRoot, key);
        return File.Exists(path) ? (await File.ReadAllTextAsync(path, ct)).Trim() : null;
    }

    public async Task WriteAsync(string key, string value, CancellationToken ct)
    {
        // Truncate, not create: sysctl files exist and must be written in place.
        await using (var file = new FileStream(Path.Combine(options.ProcSysRoot, key), FileMode.Truncate, FileAccess.Write))
            await file.WriteAsync(Encoding.ASCII.GetBytes(value + "\n"), ct);
        log.LogInformation("Host changed: {Sysctl} = {Value}", key.Replace('/', '.'), value);
    }
}

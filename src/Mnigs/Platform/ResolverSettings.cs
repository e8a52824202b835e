using System.Text;
using Mnigs.Core.Host;

namespace Mnigs.Platform;

/// <summary>
/// The resolvers used while connected. With systemd-resolved, per-link settings through resolvectl(1)
/// (they vanish with the link). Otherwise resolv.conf(5) itself: the original is saved once as
/// <c>resolv.conf.saved</c> (its path beside it in <c>resolv.conf.saved.path</c>) and written back when
/// no longer wanted. The file is rewritten in place, never renamed over, because it may be a bind mount.
/// </summary>
internal sealed class ResolverSettings(HostCommands commands, PlatformOptions options, ILogger log)
{
    public const string Header = "# written by mnigs";

    private DnsSpec? _resolved;

    private string SavedFile => Path.Combine(options.StateDir, "resolv.conf.saved");

    private string SavedPathFile => SavedFile + ".path";

    /// <param name="links">Links now on the host: settings of a vanished link need no revert.</param>
    public async Task ApplyAsync(DnsSpec? wanted, bool systemdResolved, IReadOnlyList<LinkInfo> links, CancellationToken ct)
    {
        if (_resolved is { } previous && !SameResolved(previous, wanted, systemdResolved))
        {
            if (links.Any(l => l.Name == previous.Interface))
                await commands.ChangeAsync(CommandRequest.Of("resolvectl", "revert", previous.Interface), ct);
            _resolved = null;
        }
        if (wanted is null || wanted.Servers.IsEmpty)
        {
            await RestoreAsync(ct);
            return;
        }
        if (systemdResolved)
        {
            await RestoreAsync(ct);
            if (_resolved is null)
            {
                await commands.ChangeAsync(new CommandRequest("resolvectl", ["dns", wanted.Interface, .. wanted.Servers.Select(s => s.ToString())]), ct);
                await commands.ChangeAsync(CommandRequest.Of("resolvectl", "domain", wanted.Interface, "~."), ct);
                _resolved = wanted;
            }
            return;
        }
        await WriteResolvConfAsync(wanted, ct);
    }

    /// <summary>Puts the saved resolv.conf back, if Mnigs replaced one.</summary>
    public async Task RestoreAsync(CancellationToken ct)
    {
        if (!File.Exists(SavedFile))
            return;
        var target = File.Exists(SavedPathFile) ? (await File.ReadAllTextAsync(SavedPathFile, ct)).Trim() : options.ResolvConf;
        await WriteInPlaceAsync(target, await File.ReadAllTextAsync(SavedFile, ct), ct);
        File.Delete(SavedFile);
        File.Delete(SavedPathFile);
        log.LogInformation("Host changed: restored {ResolvConf}", target);
    }

    public void Forget() => _resolved = null;

    private async Task WriteResolvConfAsync(DnsSpec wanted, CancellationToken ct)
    {
        var text = new StringBuilder(Header).Append('\n');
        foreach (var server in wanted.Servers)
            text.Append("nameserver ").Append(server).Append('\n');
        if (wanted.OverTcp)
            text.Append("options use-vc\n");
        var content = text.ToString();

        if (File.Exists(SavedPathFile) && (await File.ReadAllTextAsync(SavedPathFile, ct)).Trim() != wanted.ResolvConf)
            await RestoreAsync(ct);
        var current = File.Exists(wanted.ResolvConf) ? await File.ReadAllTextAsync(wanted.ResolvConf, ct) : "";
        if (current == content)
            return;
        if (!File.Exists(SavedFile))
        {
            Directory.CreateDirectory(options.StateDir);
            await File.WriteAllTextAsync(SavedPathFile, wanted.ResolvConf + "\n", ct);
            await File.WriteAllTextAsync(SavedFile, current, ct);
        }
        await WriteInPlaceAsync(wanted.ResolvConf, content, ct);
        log.LogInformation("Host changed: {ResolvConf} now lists {Servers}", wanted.ResolvConf, string.Join(' ', wanted.Servers));
    }

    private static bool SameResolved(DnsSpec previous, DnsSpec? wanted, bool systemdResolved) =>
        systemdResolved && wanted is not null && previous.Interface == wanted.Interface
        && previous.Servers.SequenceEqual(wanted.Servers);

    private static async Task WriteInPlaceAsync(string path, string content, CancellationToken ct)
    {
        await using var file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.Write);
        file.SetLength(0);
        await file.WriteAsync(Encoding.UTF8.GetBytes(content), ct);
    }
}

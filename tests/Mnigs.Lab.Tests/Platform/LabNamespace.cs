using System.Security.Cryptography;
using Mnigs.Platform;
using Microsoft.Extensions.Logging.Abstractions;

namespace Mnigs.Lab.Tests.Platform;

/// <summary>
/// A network namespace for one lab test, named with this test run's prefix (<c>mnl-xxxxxx-</c>) so
/// runs never collide; deleted on dispose, and <see cref="SweepAsync"/> removes any this run leaked.
/// </summary>
public sealed class LabNamespace : IAsyncDisposable
{
    public static readonly string RunPrefix = "mnl-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3)) + "-";

    private static readonly ProcessCommandRunner Host = new(NullLogger<ProcessCommandRunner>.Instance);
    private static int _count;

    private LabNamespace(string name)
    {
        Name = name;
        Runner = new NamespacedCommandRunner(Host, name);
    }

    public string Name { get; }

    /// <summary>Runs commands inside this namespace.</summary>
    public ICommandRunner Runner { get; }

    /// <summary>A fresh namespace with loopback up and IPv6 duplicate-address detection off (fresh links are usable at once).</summary>
    public static async Task<LabNamespace> CreateAsync(string role)
    {
        var ns = new LabNamespace($"{RunPrefix}{role}{Interlocked.Increment(ref _count)}");
        await HostCheckedAsync("ip", "netns", "add", ns.Name);
        try
        {
            await ns.CheckedAsync("sysctl", "-q", "-w", "net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0");
            await ns.CheckedAsync("ip", "link", "set", "lo", "up");
            return ns;
        }
        catch
        {
            await ns.DisposeAsync();
            throw;
        }
    }

    /// <summary>Runs a command in the namespace; it must succeed. Returns its output.</summary>
    public async Task<string> CheckedAsync(params string[] command)
    {
        var request = new CommandRequest(command[0], command[1..]);
        var result = await Runner.RunAsync(request, CancellationToken.None);
        return result.Succeeded ? result.Stdout : throw new CommandFailedException(request, result);
    }

    /// <summary>Runs a command in the namespace, whatever its outcome.</summary>
    public Task<CommandResult> RunAsync(params string[] command) =>
        Runner.RunAsync(new CommandRequest(command[0], command[1..]), CancellationToken.None);

    public async ValueTask DisposeAsync() => await DeleteAsync(Name);

    /// <summary>Deletes every namespace this run created and did not delete.</summary>
    public static async Task SweepAsync()
    {
        var list = await Host.RunAsync(CommandRequest.Of("ip", "netns", "list"), CancellationToken.None);
        foreach (var line in list.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var name = line.Split(' ')[0];
            if (name.StartsWith(RunPrefix, StringComparison.Ordinal))
                await DeleteAsync(name);
        }
    }

    /// <summary>
    /// Ends the processes still in the namespace, then deletes it. <c>ip netns del</c> alone only drops
    /// the name: a process inside (wireguard-go, which holds its tun device) keeps the namespace and
    /// itself alive, with its socket in the shared /var/run/wireguard.
    /// </summary>
    private static async Task DeleteAsync(string name)
    {
        for (var round = 0; round < 3; round++)
        {
            var pids = (await Host.RunAsync(CommandRequest.Of("ip", "netns", "pids", name), CancellationToken.None)).Stdout
                .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (pids.Length == 0)
                break;
            // TERM first so that wireguard-go removes its socket; KILL what is left after that.
            await Host.RunAsync(new CommandRequest("kill", [round < 2 ? "-TERM" : "-KILL", .. pids]), CancellationToken.None);
            await Task.Delay(TimeSpan.FromMilliseconds(500));
        }
        await Host.RunAsync(CommandRequest.Of("ip", "netns", "del", name), CancellationToken.None);
    }

    private static async Task HostCheckedAsync(params string[] command)
    {
        var request = new CommandRequest(command[0], command[1..]);
        var result = await Host.RunAsync(request, CancellationToken.None);
        if (!result.Succeeded)
            throw new CommandFailedException(request, result);
    }
}

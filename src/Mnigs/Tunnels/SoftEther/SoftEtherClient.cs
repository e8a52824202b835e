using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Mnigs.Core.Host;
using Mnigs.Platform;

namespace Mnigs.Tunnels.SoftEther;

/// <summary>
/// The subscriber half of the <c>softether</c> tunnel: Mnigs' own vpnclient, started fresh for each connection (from a
/// configuration with remote administration off and an administrator password only this process knows) and stopped
/// when it ends, which also removes its virtual adapter <c>vpn_mnigs</c>. The connection setting goes to the address
/// this node reached the gateway on, pins the certificate the gateway's reply names, and logs in with the session's
/// user and password; once SoftEther says the session is established, Mnigs puts the session's addresses on the adapter
/// (no DHCP: the gateway runs no SecureNAT).
/// </summary>
public sealed class SoftEtherClient(SoftEtherOptions options, IServiceProcesses services, IHostPlatform platform, ICommandRunner runner,
    ILogger log, TimeSpan? pollInterval = null)
{
    public const string ServiceName = "softether-client";

    /// <summary>AccountStatusGet's "Session Status" once the session is up.</summary>
    internal const string Established = "Connection Completed (Session Established)";

    /// <summary>How often the adapter's addresses are checked while a connection lasts.</summary>
    private static readonly TimeSpan KeepInterval = TimeSpan.FromSeconds(2);

    private readonly TimeSpan _poll = pollInterval ?? TimeSpan.FromMilliseconds(200);
    private readonly Lock _gate = new();
    private CancellationTokenSource? _keeping;

    public async Task ConnectAsync(SoftEtherReply reply, IPAddress gateway, InterfaceAddress? ipv4, InterfaceAddress? ipv6, SoftEtherPrograms programs, CancellationToken ct)
    {
        var process = new SoftEtherProcess(ServiceName, programs.VpnClient, Path.Combine(options.Directory, "client"));
        // One connection at a time, from a clean client: nothing of an earlier one can linger in it.
        StopKeeping();
        await services.StopAsync(ServiceName, ct);
        var admin = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        process.Prepare("vpn_client.config", SoftEtherConfigFiles.Client(admin));
        var certificate = Path.Combine(process.Directory, "gateway.cer");
        await File.WriteAllTextAsync(certificate, reply.Certificate, ct);
        await services.EnsureAsync(process.Spec(programs.Unshare), ct);
        try
        {
            var vpncmd = new VpnCmd(runner, programs.VpnCmd, options.Directory);
            await WaitForAnswerAsync(vpncmd, admin, ct);
            var server = gateway.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{gateway}]" : gateway.ToString();
            var account = SoftEtherOptions.Account;
            var setup = await vpncmd.ClientAsync(admin,
            [
                "NicCreate " + SoftEtherOptions.Nic,
                $"AccountCreate {account} /SERVER:{server}:{reply.Port.ToString(CultureInfo.InvariantCulture)} /HUB:{reply.Hub} /USERNAME:{reply.Account.User} /NICNAME:{SoftEtherOptions.Nic}",
                $"AccountPasswordSet {account} /PASSWORD:{reply.Account.Password} /TYPE:standard",
                $"AccountServerCertSet {account} /LOADCERT:{certificate}",
                "AccountServerCertEnable " + account,
                $"AccountRetrySet {account} /NUM:999 /INTERVAL:5",
                // One TCP connection, no UDP acceleration, and hands off the routing table (Mnigs routes).
                $"AccountDetailSet {account} /MAXTCP:1 /INTERVAL:1 /TTL:0 /HALF:no /BRIDGE:no /MONITOR:no /NOTRACK:yes /NOQOS:no /DISABLEUDP:yes",
                "AccountConnect " + account,
            ], [reply.Account.Password], ct);
            SoftEtherServer.Check(setup);
            await WaitForSessionAsync(vpncmd, admin, $"{server}:{reply.Port}", process, ct);
            var wanted = new[] { ipv4, ipv6 }.Where(a => a is not null).Select(a => a!.Value).ToList();
            // The adapter is new: nothing but the session's own addresses is to be there.
            IReadOnlyList<IPNetwork> within = [.. wanted.Select(a => new IPNetwork(a.Address, a.Address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128))];
            await platform.SetLinkAddressesAsync(options.SubscriberNic, wanted, within, ct);
            KeepAddresses(wanted, within);
            log.LogInformation("SoftEther: session to {Gateway} established on {Nic} as {User}", server, options.SubscriberNic, reply.Account.User);
        }
        catch
        {
            await services.StopAsync(ServiceName, CancellationToken.None);
            throw;
        }
    }

    /// <summary>Stops the client: the session, the adapter and its addresses go with it.</summary>
    public Task DisconnectAsync(CancellationToken ct)
    {
        StopKeeping();
        return services.StopAsync(ServiceName, ct);
    }

    /// <summary>
    /// vpnclient sets its adapter down whenever the session drops (a gateway restart, a long outage) and up again when its
    /// retry gets through; the kernel drops the adapter's IPv6 addresses with it. Puts them back every few seconds while
    /// the connection lasts (an adapter in place changes nothing); the routes come back with the subscriber's next renewal.
    /// </summary>
    private void KeepAddresses(IReadOnlyList<InterfaceAddress> wanted, IReadOnlyList<IPNetwork> within)
    {
        var keeping = new CancellationTokenSource();
        lock (_gate)
            _keeping = keeping;
        _ = Task.Run(async () =>
        {
            while (!keeping.IsCancellationRequested)
            {
                try
                {
                    await Task.Delay(KeepInterval, keeping.Token);
                    await platform.SetLinkAddressesAsync(options.SubscriberNic, wanted, within, keeping.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                catch (Exception e) when (e is ArgumentException or IOException or CommandFailedException or TimeoutException)
                {
                    // The adapter is away while vpnclient reconnects.
                    log.LogDebug("SoftEther: cannot put the addresses on {Nic} now: {Error}", options.SubscriberNic, e.Message);
                }
            }
        });
    }

    private void StopKeeping()
    {
        lock (_gate)
        {
            _keeping?.Cancel();
            _keeping = null;
        }
    }

    private async Task WaitForAnswerAsync(VpnCmd vpncmd, string admin, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await vpncmd.ClientAsync(admin, ["VersionGet"], [], ct);
                return;
            }
            catch (IOException e) when (clock.Elapsed < options.Wait)
            {
                log.LogDebug("SoftEther's client does not answer yet: {Error}", e.Message);
                await Task.Delay(_poll, ct);
            }
        }
    }

    private async Task WaitForSessionAsync(VpnCmd vpncmd, string admin, string server, SoftEtherProcess process, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var status = "";
        while (clock.Elapsed < options.Wait)
        {
            var reply = (await vpncmd.ClientAsync(admin, ["AccountStatusGet " + SoftEtherOptions.Account], [], ct)).Reply("AccountStatusGet");
            status = reply?.Item("Session Status") ?? reply?.Error?.Message ?? "no status";
            if (status == Established)
                return;
            await Task.Delay(_poll, ct);
        }
        throw new IOException($"SoftEther's client did not get a session from {server} within {options.Wait.TotalSeconds:0.#} s "
            + $"(last status: {status}){LastCause(process)}");
    }

    /// <summary>
    /// Why the client's last attempt failed, from its own log (client_log/*.log: "... failed. Cause: Unable to trust the
    /// certificate provided by the destination server. ... (code 85)"); vpncmd only says "not connected".
    /// </summary>
    internal static string LastCause(SoftEtherProcess process)
    {
        var directory = Path.Combine(process.Logs, "client_log");
        if (!System.IO.Directory.Exists(directory))
            return "";
        var newest = new DirectoryInfo(directory).GetFiles("*.log").OrderByDescending(f => f.LastWriteTimeUtc).FirstOrDefault();
        var cause = newest is null ? null : File.ReadLines(newest.FullName).LastOrDefault(l => l.Contains(" Cause: ", StringComparison.Ordinal));
        return cause is null ? "" : "; its log says: " + cause[(cause.IndexOf(" Cause: ", StringComparison.Ordinal) + 8)..].Trim();
    }
}

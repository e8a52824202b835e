using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using Mnigs.Core.Gateway;
using Mnigs.Core.Host;
using Mnigs.Platform;

namespace Mnigs.Tunnels.SoftEther;

/// <summary>
/// The gateway half of the <c>softether</c> tunnel: Mnigs' own vpnserver, running while there are sessions. Started
/// from a configuration Mnigs writes (<see cref="SoftEtherConfigFiles.Server"/>) with a fresh administrator password
/// that only this process knows, then given one virtual hub (SecureNAT off, no packet or security log) with a local
/// bridge to the tap <c>tap_mnigs</c>, which holds the pools' gateway addresses, and a group whose policies keep
/// subscribers apart (privacy filter: sessions reach only the bridge), on their own addresses (no duplicate IP or MAC),
/// and off DHCP, router advertisements and bridging. Each session is a user of that group with the session's random
/// password; <see cref="SyncAsync"/> adds the missing ones and deletes the others, disconnecting their sessions at once.
/// </summary>
public sealed class SoftEtherServer(SoftEtherOptions options, IServiceProcesses services, IHostPlatform platform, ICommandRunner runner,
    ILogger log, TimeSpan? pollInterval = null)
{
    public const string ServiceName = "softether-server";

    /// <summary>The group's security policies (vpncmd PolicyList): name and value.</summary>
    internal static readonly IReadOnlyList<(string Name, string Value)> Policies =
    [
        ("PrivacyFilter", "yes"),
        ("CheckIP", "yes"),
        ("CheckIPv6", "yes"),
        ("CheckMac", "yes"),
        ("NoBridge", "yes"),
        ("DHCPNoServer", "yes"),
        ("DHCPv6NoServer", "yes"),
        ("RAFilter", "yes"),
        ("MultiLogins", "1"),
    ];

    private readonly TimeSpan _poll = pollInterval ?? TimeSpan.FromMilliseconds(200);
    private readonly Lazy<SoftEtherCertificate> _certificate = new(() => SoftEtherCertificate.LoadOrCreate(Path.Combine(options.Directory, "gateway.pem")));
    private string? _adminPassword;

    /// <summary>The certificate subscribers pin (made on first use).</summary>
    public SoftEtherCertificate Certificate => _certificate.Value;

    /// <summary>Makes the server serve exactly <paramref name="accounts"/> (none: the server stops).</summary>
    public async Task SyncAsync(IReadOnlyList<SoftEtherAccount> accounts, SoftEtherPrograms? programs, CancellationToken ct)
    {
        if (accounts.Count == 0)
        {
            if (_adminPassword is not null || services.IsRunning(ServiceName))
            {
                await services.StopAsync(ServiceName, ct);
                log.LogInformation("SoftEther: the server stopped (no sessions)");
            }
            _adminPassword = null;
            return;
        }
        if (programs is null)
            throw new IOException("SoftEther VPN is not installed (its check says what is missing)");
        var vpncmd = new VpnCmd(runner, programs.VpnCmd, options.Directory);
        if (_adminPassword is null || !services.IsRunning(ServiceName))
            _adminPassword = await StartAsync(programs, vpncmd, ct);
        var admin = _adminPassword;

        var view = await vpncmd.ServerAsync(options.Port, admin, ["Hub " + SoftEtherOptions.Hub, "UserList", "SessionList", "BridgeList"], [], ct);
        if (view.Reply("Hub") is not { Ok: true })
        {
            // The server restarted from a configuration saved before the hub was made (SoftEther saves every 5 minutes).
            await SetUpAsync(vpncmd, admin, ct);
            view = await vpncmd.ServerAsync(options.Port, admin, ["Hub " + SoftEtherOptions.Hub, "UserList", "SessionList", "BridgeList"], [], ct);
        }
        var users = view.Reply("UserList")?.Table().Select(r => r.GetValueOrDefault("User Name") ?? "").ToHashSet(StringComparer.OrdinalIgnoreCase) ?? [];
        var wanted = accounts.ToDictionary(a => a.User, StringComparer.OrdinalIgnoreCase);
        var commands = new List<string> { "Hub " + SoftEtherOptions.Hub };
        foreach (var user in users.Where(u => u.Length > 0 && !wanted.ContainsKey(u)))
            commands.Add("UserDelete " + user);
        foreach (var session in view.Reply("SessionList")?.Table() ?? [])
        {
            var user = session.GetValueOrDefault("User Name") ?? "";
            if (session.GetValueOrDefault("Session Name") is { Length: > 0 } name && IsSessionUser(user) && !wanted.ContainsKey(user))
                commands.Add("SessionDisconnect " + name);
        }
        var added = accounts.Where(a => !users.Contains(a.User)).ToList();
        foreach (var account in added)
        {
            commands.Add($"UserCreate {account.User} /GROUP:{SoftEtherOptions.Group} /REALNAME:none /NOTE:none");
            commands.Add($"UserPasswordSet {account.User} /PASSWORD:{account.Password}");
        }
        if (!(view.Reply("BridgeList")?.Table().Any(r => r.GetValueOrDefault("Virtual Hub Name") == SoftEtherOptions.Hub) ?? false))
            commands.Add(BridgeCreate);
        if (commands.Count > 1)
        {
            commands.Add("Flush");
            var changed = await vpncmd.ServerAsync(options.Port, admin, commands, [.. added.Select(a => a.Password)], ct);
            Check(changed, VpnCmdError.ObjectNotFound, VpnCmdError.ObjectExists);
            foreach (var gone in commands.Where(c => c.StartsWith("UserDelete ", StringComparison.Ordinal)))
                log.LogInformation("SoftEther: user {User} deleted, its sessions disconnected", gone["UserDelete ".Length..]);
            foreach (var account in added)
                log.LogInformation("SoftEther: user {User} added", account.User);
        }
        await PutGatewayAddressesAsync(ct);
    }

    private static string BridgeCreate => $"BridgeCreate {SoftEtherOptions.Hub} /DEVICE:{SoftEtherOptions.BridgeDevice} /TAP:yes";

    /// <summary>Sessions of users Mnigs made (the bridge's own session is "Local Bridge", SecureNAT's "SecureNAT").</summary>
    private static bool IsSessionUser(string user) => SoftEtherAccount.IsUserName(user);

    private async Task<string> StartAsync(SoftEtherPrograms programs, VpnCmd vpncmd, CancellationToken ct)
    {
        await services.StopAsync(ServiceName, ct);
        var admin = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        var process = new SoftEtherProcess(ServiceName, programs.VpnServer, Path.Combine(options.Directory, "server"));
        process.Prepare("vpn_server.config", SoftEtherConfigFiles.Server(options.Port, admin, Certificate.Certificate, Certificate.PrivateKey));
        await services.EnsureAsync(process.Spec(programs.Unshare), ct);
        await WaitForAnswerAsync(() => vpncmd.ServerAsync(options.Port, admin, ["ServerStatusGet"], [], ct), "server", ct);
        log.LogInformation("SoftEther: the server runs on port {Port}", options.Port);
        await SetUpAsync(vpncmd, admin, ct);
        return admin;
    }

    private async Task SetUpAsync(VpnCmd vpncmd, string admin, CancellationToken ct)
    {
        // Nobody administers the hub alone (a blank hub password would let localhost in): a password no one keeps.
        var hubPassword = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        var commands = new List<string>
        {
            $"HubCreate {SoftEtherOptions.Hub} /PASSWORD:{hubPassword}",
            "Hub " + SoftEtherOptions.Hub,
            // All traffic over the session's TCP connection: UDP acceleration would go by addresses the server announces.
            "ExtOptionSet DisableUdpAcceleration /VALUE:1",
            "SecureNatDisable",
            "LogDisable packet",
            "LogDisable security",
            $"GroupCreate {SoftEtherOptions.Group} /REALNAME:none /NOTE:none",
        };
        commands.AddRange(Policies.Select(p => $"GroupPolicySet {SoftEtherOptions.Group} /NAME:{p.Name} /VALUE:{p.Value}"));
        commands.Add(BridgeCreate);
        commands.Add("Flush");
        Check(await vpncmd.ServerAsync(options.Port, admin, commands, [hubPassword], ct), VpnCmdError.ObjectExists);
        log.LogInformation("SoftEther: hub {Hub} bridged to {Tap}", SoftEtherOptions.Hub, options.GatewayTap);
    }

    /// <summary>The pools' gateway addresses on the bridge's tap, which SoftEther makes a moment after BridgeCreate.</summary>
    private async Task PutGatewayAddressesAsync(CancellationToken ct)
    {
        var wanted = new List<InterfaceAddress>();
        var within = new List<IPNetwork>();
        if (options.Pools?.Ipv4 is { } p4)
        {
            wanted.Add(new InterfaceAddress(p4.Gateway, p4.Subnet.PrefixLength));
            within.Add(p4.Subnet);
        }
        if (options.Pools?.Ipv6 is { } p6)
        {
            wanted.Add(new InterfaceAddress(p6.Gateway, p6.Subnet.PrefixLength));
            within.Add(p6.Subnet);
        }
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await platform.SetLinkAddressesAsync(options.GatewayTap, wanted, within, ct);
                return;
            }
            catch (ArgumentException) when (clock.Elapsed < options.Wait)
            {
                await Task.Delay(_poll, ct);
            }
            catch (ArgumentException e)
            {
                throw new IOException($"SoftEther's bridge tap {options.GatewayTap} did not appear within {options.Wait.TotalSeconds:0.#} s: {e.Message}");
            }
        }
    }

    private async Task WaitForAnswerAsync(Func<Task<VpnCmdTranscript>> ask, string what, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await ask();
                return;
            }
            catch (IOException e) when (clock.Elapsed < options.Wait)
            {
                log.LogDebug("SoftEther's {What} does not answer yet: {Error}", what, e.Message);
                await Task.Delay(_poll, ct);
            }
        }
    }

    /// <summary>Every command must have worked, or failed with one of <paramref name="harmless"/> (already there, already gone).</summary>
    internal static void Check(VpnCmdTranscript transcript, params int[] harmless)
    {
        var failed = transcript.Replies.FirstOrDefault(r => r.Error is { } e && !harmless.Contains(e.Code));
        if (failed is not null)
            throw new IOException($"SoftEther refused {failed.Name}: {failed.Error}");
    }
}

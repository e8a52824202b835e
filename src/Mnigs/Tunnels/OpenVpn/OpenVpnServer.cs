using System.Collections.Immutable;
using System.Globalization;
using Mnigs.Core.Host;
using Mnigs.Platform;

namespace Mnigs.Tunnels.OpenVpn;

/// <summary>
/// The gateway's openvpn server. It runs while this gateway has openvpn sessions (an idle gateway runs nothing) and
/// holds until Mnigs is on its management socket, so no connection is ever decided without Mnigs: each is admitted
/// or refused from the live sessions (<see cref="OpenVpnAdmission"/>). Sessions come and go without a restart; a
/// connection whose session is no longer live is ended at once with client-kill, and when its client tries again it
/// is refused (AUTH_FAILED), which makes an openvpn client give up. Stopping the server instead tells every client to
/// reconnect, which is what a restart of the daemon needs: the restored sessions are let in again by the next server.
/// A server that died, or whose management connection broke, is started again by the next sync.
/// </summary>
public sealed class OpenVpnServer(OpenVpnOptions options, IServiceProcesses services, Func<OpenVpnIdentity> identity,
    Func<string> program, ILogger log) : IAsyncDisposable
{
    /// <summary>How long openvpn gets from start to answering on its management socket.</summary>
    public static readonly TimeSpan StartWait = TimeSpan.FromSeconds(10);

    /// <summary>Guards the live sessions, what was admitted, and deciding: a connection is judged by the newest sync.</summary>
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<uint, string> _admitted = [];
    /// <summary>Connections refused, on their way out (openvpn ends them a few seconds after AUTH_FAILED): nothing to kill.</summary>
    private readonly HashSet<uint> _refused = [];
    private ImmutableArray<ServedSession> _live = [];
    private OpenVpnManagement? _management;
    private Task _answering = Task.CompletedTask;

    public string ServiceName => "openvpn-" + options.GatewayInterface;

    private string Directory => Path.Combine(options.StateDirectory, "server");

    /// <summary>Serves exactly <paramref name="live"/>: starts the server when needed, ends connections of sessions gone, stops it when none are left.</summary>
    public async Task SyncAsync(IReadOnlyList<ServedSession> live, CancellationToken ct)
    {
        if (live.Count == 0)
        {
            await StopAsync(ct);
            return;
        }
        await _gate.WaitAsync(ct);
        try
        {
            _live = [.. live];
        }
        finally
        {
            _gate.Release();
        }
        if (_management is not { Closed.IsCompleted: false } || !services.IsRunning(ServiceName))
            await StartAsync(ct);
        await EndUnwantedAsync(_management!, ct);
    }

    /// <summary>Stops the server (it tells its clients); nothing when it does not run.</summary>
    public async Task StopAsync(CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            _live = [];
            _admitted.Clear();
            _refused.Clear();
        }
        finally
        {
            _gate.Release();
        }
        var running = _management is not null || services.IsRunning(ServiceName);
        await CloseManagementAsync();
        if (running)
        {
            await services.StopAsync(ServiceName, ct);
            log.LogInformation("OpenVPN server on {Interface} stopped: no openvpn session to serve", options.GatewayInterface);
        }
    }

    private async Task StartAsync(CancellationToken ct)
    {
        await CloseManagementAsync();
        // A server we lost the management connection to decides nothing any more: start over.
        await services.StopAsync(ServiceName, ct);

        var gateway = identity();
        OpenVpnFiles.CreatePrivateDirectory(Directory);
        var socket = OpenVpnFiles.SocketPath(Path.Combine(Directory, "management.sock"));
        File.Delete(socket);
        var configPath = Path.Combine(Directory, "server.conf");
        OpenVpnFiles.WritePrivate(configPath, new OpenVpnServerConfig(
            options.GatewayInterface, options.Port,
            options.Ipv4 is { } p4 ? new InterfaceAddress(p4.Gateway, p4.Subnet.PrefixLength) : null,
            options.Ipv6 is { } p6 ? new InterfaceAddress(p6.Gateway, p6.Subnet.PrefixLength) : null,
            options.Mtu, gateway.CertificatePath, gateway.KeyPath, socket).Render());
        await services.EnsureAsync(new ServiceSpec(ServiceName, program(), ["--config", configPath]), ct);

        var management = await OpenVpnManagement.ConnectAsync(socket, StartWait, () => services.IsRunning(ServiceName), ct);
        try
        {
            // Held until now (management-hold): from here on every connection is put to Mnigs. Not held again on a restart.
            await management.SendAsync("hold off", ct);
            await management.SendAsync("hold release", ct);
        }
        catch
        {
            await management.DisposeAsync();
            throw;
        }
        _management = management;
        _answering = Task.Run(() => AnswerAsync(management));
        log.LogInformation("OpenVPN server on UDP port {Port} ({Interface}) started", options.Port, options.GatewayInterface);
    }

    /// <summary>Answers every connection openvpn puts to Mnigs, until the management connection ends.</summary>
    private async Task AnswerAsync(OpenVpnManagement management)
    {
        try
        {
            await foreach (var message in management.Events.ReadAllAsync())
            {
                if (message.Kind is "CLIENT:CONNECT" or "CLIENT:REAUTH")
                    await AnswerAsync(management, message);
                else if (message.Kind == "CLIENT:DISCONNECT" && ClientId(message) is { } gone)
                    await ForgetAsync(gone);
            }
        }
        catch (OpenVpnManagementException e)
        {
            log.LogWarning("OpenVPN server's management connection failed: {Error}; the server is started again at the next sync", e.Message);
        }
    }

    private async Task AnswerAsync(OpenVpnManagement management, ManagementEvent message)
    {
        if (ClientId(message) is not { } cid || message.Fields.Length < 2 || !uint.TryParse(message.Fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var kid))
            return;
        await _gate.WaitAsync();
        try
        {
            var decision = OpenVpnAdmission.Decide(message.Env, _live);
            var from = message["untrusted_ip"] ?? message["untrusted_ip6"] ?? "?";
            if (decision.Admit)
            {
                await management.SendAsync(message.Kind == "CLIENT:CONNECT"
                    ? [$"client-auth {cid} {kid}", .. decision.Config, "END"]
                    : [$"client-auth-nt {cid} {kid}"], CancellationToken.None);
                _admitted[cid] = decision.Session!.CommonName;
                if (message.Kind == "CLIENT:CONNECT")
                    log.LogInformation("OpenVPN: session {Sid} connected from {Address}", decision.Session.ShortSid, from);
            }
            else
            {
                await management.SendAsync(
                    $"client-deny {cid} {kid} {OpenVpnText.Quote(decision.Reason!)} {OpenVpnText.Quote("no live session for this certificate")}",
                    CancellationToken.None);
                _admitted.Remove(cid);
                _refused.Add(cid);
                log.LogInformation("OpenVPN: refused a connection from {Address}: {Reason}", from, decision.Reason);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Ends every connection whose session is no longer live: those openvpn lists and those Mnigs let in.</summary>
    private async Task EndUnwantedAsync(OpenVpnManagement management, CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            var connected = new Dictionary<uint, string>(_admitted);
            var listed = OpenVpnStatus.Clients(await management.QueryAsync("status 3", ct));
            // A refused client is forgotten once openvpn has let it go.
            _refused.IntersectWith(listed.Select(c => c.ClientId));
            foreach (var client in listed)
                if (!_refused.Contains(client.ClientId))
                    connected[client.ClientId] = client.CommonName;
            foreach (var (cid, commonName) in connected)
            {
                if (_live.Any(s => s.CommonName == commonName))
                    continue;
                _admitted.Remove(cid);
                try
                {
                    await management.SendAsync($"client-kill {cid}", ct);
                    log.LogInformation("OpenVPN: ended the connection of {CommonName}: its session is over", commonName);
                }
                catch (OpenVpnManagementException e)
                {
                    // Gone meanwhile.
                    log.LogDebug("OpenVPN: client {Cid} was not there to end: {Error}", cid, e.Message);
                }
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task ForgetAsync(uint cid)
    {
        await _gate.WaitAsync();
        try
        {
            _admitted.Remove(cid);
            _refused.Remove(cid);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task CloseManagementAsync()
    {
        if (_management is { } management)
        {
            _management = null;
            await management.DisposeAsync();
            await _answering;
        }
    }

    private static uint? ClientId(ManagementEvent message) =>
        message.Fields is [var first, ..] && uint.TryParse(first, NumberStyles.None, CultureInfo.InvariantCulture, out var cid) ? cid : null;

    public async ValueTask DisposeAsync() => await CloseManagementAsync();
}

using Mnigs.Platform;

namespace Mnigs.Tunnels.OpenVpn;

/// <summary>
/// The subscriber's openvpn clients, one per connection, each on the interface Mnigs gave the connection's slot. A
/// client starts held (management-hold) and Mnigs follows its states on the management socket until it is CONNECTED,
/// so a connection is only reported up once traffic can flow, and a refusal says why. Its key, certificate, config and
/// socket live in a directory of their own (0700) that goes with the connection.
/// </summary>
public sealed class OpenVpnClient(OpenVpnOptions options, IServiceProcesses services, Func<string> program, TimeSpan connectWait, ILogger log)
{
    /// <summary>How long a subscriber waits for its client to connect; a working mesh needs about a second.</summary>
    public static readonly TimeSpan DefaultConnectWait = TimeSpan.FromSeconds(20);

    public static string ServiceName(string iface) => "openvpn-" + iface;

    private string Directory(string iface) => Path.Combine(options.StateDirectory, "clients", iface);

    /// <summary>Starts the client for one connection and returns once it is connected; throws with a plain message when it is not.</summary>
    public async Task ConnectAsync(SubscriberTunnelInput input, OpenVpnReply reply, CancellationToken ct)
    {
        var name = ServiceName(input.InterfaceName);
        // An earlier connection on this slot that was not taken down (a failed disconnect) goes first.
        await services.StopAsync(name, ct);
        var directory = Directory(input.InterfaceName);
        OpenVpnFiles.Remove(directory);
        OpenVpnFiles.CreatePrivateDirectory(Path.GetDirectoryName(directory)!);
        OpenVpnFiles.CreatePrivateDirectory(directory);
        var keyPath = Path.Combine(directory, "client.key");
        var certificatePath = Path.Combine(directory, "client.crt");
        var configPath = Path.Combine(directory, "client.conf");
        var socket = OpenVpnFiles.SocketPath(Path.Combine(directory, "management.sock"));
        OpenVpnFiles.WritePrivate(keyPath, input.Secret);
        OpenVpnFiles.WritePrivate(certificatePath, reply.CertificatePem);
        OpenVpnFiles.WritePrivate(configPath, new OpenVpnClientConfig(input.InterfaceName, input.GatewayMeshAddress, reply.Port,
            reply.Fingerprint, input.Ipv4, input.Ipv6, input.TunnelGateway6, input.Mtu, certificatePath, keyPath, socket).Render());
        await services.EnsureAsync(new ServiceSpec(name, program(), ["--config", configPath]), ct);
        try
        {
            await using var management = await OpenVpnManagement.ConnectAsync(socket, OpenVpnServer.StartWait, () => services.IsRunning(name), ct);
            await management.SendAsync("state on", ct);
            await management.SendAsync("hold off", ct);
            await management.SendAsync("hold release", ct);
            await WaitConnectedAsync(management, $"{input.GatewayMeshAddress} port {reply.Port}", ct);
        }
        catch (OperationCanceledException)
        {
            // A failed connection is taken down by the caller; an abandoned one is not: leave nothing running.
            await DisconnectAsync(input.InterfaceName, CancellationToken.None);
            throw;
        }
        log.LogInformation("OpenVPN client on {Interface} connected to {Gateway}", input.InterfaceName, input.GatewayMeshAddress);
    }

    /// <summary>Stops the client of the connection on <paramref name="iface"/> and removes its files; nothing when there is none.</summary>
    public async Task DisconnectAsync(string iface, CancellationToken ct)
    {
        await services.StopAsync(ServiceName(iface), ct);
        OpenVpnFiles.Remove(Directory(iface));
    }

    private async Task WaitConnectedAsync(OpenVpnManagement management, string gateway, CancellationToken ct)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(connectWait);
        var last = "CONNECTING";
        try
        {
            await foreach (var message in management.Events.ReadAllAsync(limit.Token))
            {
                if (message.Kind == "FATAL")
                    throw new IOException($"openvpn gave up connecting to {gateway}: {message.Text}");
                if (message.Kind != "STATE" || message.Fields is not [_, var state, ..] fields)
                    continue;
                var detail = fields.Length > 2 ? fields[2] : "";
                switch (state)
                {
                    case "CONNECTED" when detail == "SUCCESS":
                        return;
                    case "CONNECTED":
                        throw new IOException($"openvpn connected to {gateway} but could not set up its interface ({detail})");
                    case "EXITING" when detail == "auth-failure":
                        throw new IOException($"The gateway {gateway} refused the OpenVPN connection: it holds no live session for this certificate from this address");
                    case "EXITING":
                        throw new IOException($"openvpn stopped while connecting to {gateway} ({detail})");
                }
                last = detail.Length > 0 ? $"{state} ({detail})" : state;
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new IOException($"No OpenVPN connection to {gateway} within {connectWait.TotalSeconds:0} s (last state {last}): is its server reachable over the mesh on UDP?");
        }
        throw new IOException($"openvpn exited while connecting to {gateway} (last state {last})");
    }
}

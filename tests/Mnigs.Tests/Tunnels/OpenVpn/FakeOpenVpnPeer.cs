using System.Net.Sockets;
using System.Text;

namespace Mnigs.Tests.Tunnels.OpenVpn;

/// <summary>
/// openvpn's side of the management socket, as openvpn 2.6 speaks it (lines end in CRLF; recorded from the real
/// openvpn 2.6.14 here, see <see cref="Recorded"/>): one client at a time, greeted with &gt;INFO and, when held,
/// &gt;HOLD. It answers the commands Mnigs sends like openvpn does (SUCCESS lines, status up to END, a client-auth
/// block up to its END) and records them; the test sends real-time messages with <see cref="SendAsync"/>.
/// </summary>
internal sealed class FakeOpenVpnPeer : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _gate = new();
    private readonly List<string> _received = [];
    private readonly Task _serving;
    private Socket? _client;
    private readonly TaskCompletionSource _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private FakeOpenVpnPeer(string path, bool held)
    {
        Path = path;
        _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        _listener.Bind(new UnixDomainSocketEndPoint(path));
        _listener.Listen(1);
        _serving = Task.Run(() => ServeAsync(held));
    }

    public string Path { get; }

    /// <summary>Lines of <c>status 3</c>'s answer before END.</summary>
    public IReadOnlyList<string> Status { get; set; } = Recorded.StatusNoClients;

    /// <summary>client-kill answers ERROR (the client is gone already).</summary>
    public bool KillFails { get; set; }

    /// <summary>Every line Mnigs sent, in order.</summary>
    public IReadOnlyList<string> Received
    {
        get
        {
            lock (_gate)
                return [.. _received];
        }
    }

    public static FakeOpenVpnPeer Listen(string path, bool held = true) => new(path, held);

    /// <summary>Waits until Mnigs is connected.</summary>
    public Task Connected => _connected.Task.WaitAsync(TimeSpan.FromSeconds(10));

    /// <summary>Sends real-time lines (a whole CLIENT message with its ENV block, a STATE) as openvpn would.</summary>
    public async Task SendAsync(params string[] lines)
    {
        await Connected;
        await _client!.SendAsync(Encoding.UTF8.GetBytes(string.Concat(lines.Select(l => l + "\r\n"))), SocketFlags.None);
    }

    /// <summary>Waits until Mnigs has sent a line that <paramref name="match"/> accepts, and returns it.</summary>
    public async Task<string> WaitForAsync(Func<string, bool> match, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            if (Received.FirstOrDefault(match) is { } line)
                return line;
            await Task.Delay(10);
        }
        throw new TimeoutException($"Mnigs never sent {what}; it sent: {string.Join(" | ", Received)}");
    }

    public Task<string> WaitForAsync(string line) => WaitForAsync(l => l == line, $"'{line}'");

    /// <summary>openvpn exits: the connection closes.</summary>
    public void Close()
    {
        _client?.Shutdown(SocketShutdown.Both);
        _client?.Dispose();
    }

    private async Task ServeAsync(bool held)
    {
        try
        {
            _client = await _listener.AcceptAsync(_stop.Token);
            var greeting = ">INFO:OpenVPN Management Interface Version 5 -- type 'help' for more info\r\n" + (held ? ">HOLD:Waiting for hold release:0\r\n" : "");
            await _client.SendAsync(Encoding.UTF8.GetBytes(greeting), SocketFlags.None);
            _connected.TrySetResult();
            using var stream = new NetworkStream(_client, ownsSocket: false);
            using var reader = new StreamReader(stream, Encoding.UTF8);
            var inBlock = false;
            while (await reader.ReadLineAsync(_stop.Token) is { } line)
            {
                lock (_gate)
                    _received.Add(line);
                string answer;
                if (inBlock)
                {
                    if (line != "END")
                        continue;
                    inBlock = false;
                    answer = "SUCCESS: client-auth command succeeded";
                }
                else if (line.StartsWith("client-auth ", StringComparison.Ordinal))
                {
                    inBlock = true;
                    continue;
                }
                else
                {
                    answer = line switch
                    {
                        "hold off" => "SUCCESS: hold flag set to OFF",
                        "hold release" => "SUCCESS: hold release succeeded",
                        "state on" => "SUCCESS: real-time state notification set to ON",
                        "status 3" => string.Join("\r\n", [.. Status, "END"]),
                        _ when line.StartsWith("client-auth-nt ", StringComparison.Ordinal) => "SUCCESS: client-auth command succeeded",
                        _ when line.StartsWith("client-deny ", StringComparison.Ordinal) => "SUCCESS: client-deny command succeeded",
                        _ when line.StartsWith("client-kill ", StringComparison.Ordinal) =>
                            KillFails ? "ERROR: client-kill command failed" : "SUCCESS: client-kill command succeeded",
                        _ => "ERROR: unknown command, enter 'help' for more options",
                    };
                }
                await _client.SendAsync(Encoding.UTF8.GetBytes(answer + "\r\n"), SocketFlags.None);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or IOException or ObjectDisposedException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Dispose();
        _client?.Dispose();
        await _serving;
        // Mnigs may have removed the whole directory already (a connection's, on disconnect).
        if (System.IO.Path.GetDirectoryName(Path) is { } directory && Directory.Exists(directory))
            File.Delete(Path);
    }
}

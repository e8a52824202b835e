using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;

namespace Mnigs.Tunnels.OpenVpn;

/// <summary>
/// A client of openvpn's management interface (openvpn 2.6, interface version 5; documented in
/// /usr/share/doc/openvpn/management-notes.txt) on its unix socket. The protocol is lines: a command is one line (or a
/// block ending in END, like client-auth) and is answered with <c>SUCCESS: …</c> or <c>ERROR: …</c>, or with lines up
/// to END (status, state); real-time messages (lines starting with <c>&gt;</c>) come at any time in between and are
/// handed out on <see cref="Events"/>, a CLIENT message together with its ENV block. openvpn takes one management
/// client at a time.
/// </summary>
public sealed class OpenVpnManagement : IAsyncDisposable
{
    /// <summary>How long openvpn gets to answer one command.</summary>
    public static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Most ENV lines kept of one CLIENT message (its peer info comes from the client; openvpn sends some 50).</summary>
    private const int MaxEnv = 1000;

    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly SemaphoreSlim _commands = new(1, 1);
    private readonly Channel<ManagementEvent> _events = Channel.CreateUnbounded<ManagementEvent>(new UnboundedChannelOptions { SingleWriter = true });
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _closing = new();
    private readonly Task _reading;
    private Answer? _answer;

    private OpenVpnManagement(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
        _reading = Task.Run(ReadAsync);
    }

    /// <summary>Real-time messages in the order openvpn sent them; completes when the connection ends.</summary>
    public ChannelReader<ManagementEvent> Events => _events.Reader;

    /// <summary>Completes when the connection has ended (openvpn exited or closed it).</summary>
    public Task Closed => _reading;

    /// <summary>
    /// Connects to the socket at <paramref name="path"/>, trying again while it is not there yet or refuses (openvpn
    /// still starting) until <paramref name="wait"/> has passed, or until <paramref name="alive"/> says openvpn exited.
    /// </summary>
    public static async Task<OpenVpnManagement> ConnectAsync(string path, TimeSpan wait, Func<bool>? alive, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + wait;
        while (true)
        {
            var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            try
            {
                await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), ct);
                return new OpenVpnManagement(socket);
            }
            catch (SocketException e)
            {
                // Not there yet (ENOENT) or not listening yet (ECONNREFUSED): openvpn is still starting.
                socket.Dispose();
                if (alive is not null && !alive())
                    throw new OpenVpnManagementException(
                        "openvpn exited right after it started (its own messages are in the daemon's log with logLevel = debug)", e);
                if (DateTime.UtcNow >= deadline)
                    throw new OpenVpnManagementException($"openvpn's management interface {path} does not answer: {e.Message}", e);
                await Task.Delay(50, ct);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
    }

    /// <summary>Sends one command and returns what follows <c>SUCCESS:</c>; throws <see cref="OpenVpnManagementException"/> on ERROR.</summary>
    public async Task<string> SendAsync(string command, CancellationToken ct) => (await ExchangeAsync([command], multiline: false, ct))[0];

    /// <summary>Sends a block of lines (client-auth and its config lines, then END) answered with one SUCCESS or ERROR.</summary>
    public async Task<string> SendAsync(IReadOnlyList<string> lines, CancellationToken ct) => (await ExchangeAsync(lines, multiline: false, ct))[0];

    /// <summary>Sends a command answered with lines up to END (<c>status 3</c>, <c>state</c>) and returns them without END.</summary>
    public Task<IReadOnlyList<string>> QueryAsync(string command, CancellationToken ct) => ExchangeAsync([command], multiline: true, ct);

    private async Task<IReadOnlyList<string>> ExchangeAsync(IReadOnlyList<string> lines, bool multiline, CancellationToken ct)
    {
        foreach (var line in lines)
            if (line.Contains('\n') || line.Contains('\r'))
                throw new ArgumentException("A management command line cannot hold a line break", nameof(lines));
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct, _closing.Token);
        limit.CancelAfter(CommandTimeout);
        await _commands.WaitAsync(limit.Token);
        var answer = new Answer(multiline);
        try
        {
            lock (_gate)
            {
                if (_reading.IsCompleted)
                    throw new OpenVpnManagementException("openvpn's management interface has closed");
                _answer = answer;
            }
            var bytes = Encoding.UTF8.GetBytes(string.Concat(lines.Select(l => l + "\n")));
            await _stream.WriteAsync(bytes, limit.Token);
            try
            {
                return await answer.Done.Task.WaitAsync(limit.Token);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested && !_closing.IsCancellationRequested)
            {
                throw new OpenVpnManagementException($"openvpn did not answer '{First(lines)}' within {CommandTimeout.TotalSeconds:0} s");
            }
        }
        catch (IOException e) when (e is not OpenVpnManagementException)
        {
            throw new OpenVpnManagementException($"openvpn's management interface went away during '{First(lines)}': {e.Message}", e);
        }
        finally
        {
            lock (_gate)
                if (_answer == answer)
                    _answer = null;
            _commands.Release();
        }
    }

    private async Task ReadAsync()
    {
        Exception? error = null;
        try
        {
            using var reader = new StreamReader(_stream, Encoding.UTF8, leaveOpen: true);
            (ManagementEvent Head, Dictionary<string, string> Env)? client = null;
            while (await reader.ReadLineAsync(_closing.Token) is { } line)
            {
                if (client is { } open && line.StartsWith(">CLIENT:ENV,", StringComparison.Ordinal))
                {
                    var entry = line[">CLIENT:ENV,".Length..];
                    if (entry == "END")
                    {
                        _events.Writer.TryWrite(open.Head with { Env = open.Env });
                        client = null;
                    }
                    else if (open.Env.Count < MaxEnv && entry.IndexOf('=') is > 0 and var equals)
                    {
                        open.Env[entry[..equals]] = entry[(equals + 1)..];
                    }
                    continue;
                }
                if (ManagementEvent.Parse(line) is { } message)
                {
                    if (message.Kind is "CLIENT:CONNECT" or "CLIENT:REAUTH" or "CLIENT:ESTABLISHED" or "CLIENT:DISCONNECT" or "CLIENT:CR_RESPONSE")
                        client = (message, new Dictionary<string, string>(StringComparer.Ordinal));
                    else
                        _events.Writer.TryWrite(message);
                    continue;
                }
                Answer? answer;
                lock (_gate)
                    answer = _answer;
                answer?.Take(line);
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (IOException e)
        {
            error = e;
        }
        catch (SocketException e)
        {
            error = e;
        }
        finally
        {
            _events.Writer.TryComplete();
            lock (_gate)
                _answer?.Done.TrySetException(new OpenVpnManagementException(
                    "openvpn's management interface closed before it answered" + (error is null ? "" : ": " + error.Message), error));
        }
    }

    private static string First(IReadOnlyList<string> lines) => lines.Count > 0 ? lines[0] : "";

    public async ValueTask DisposeAsync()
    {
        if (!_closing.IsCancellationRequested)
            await _closing.CancelAsync();
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
        await _reading;
        await _stream.DisposeAsync();
    }

    /// <summary>The answer to the command in flight: one SUCCESS/ERROR line, or lines up to END.</summary>
    private sealed class Answer(bool multiline)
    {
        private readonly List<string> _lines = [];

        public TaskCompletionSource<IReadOnlyList<string>> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Take(string line)
        {
            if (line.StartsWith("ERROR:", StringComparison.Ordinal) && _lines.Count == 0)
                Done.TrySetException(new OpenVpnManagementException("openvpn refused: " + line["ERROR:".Length..].Trim()));
            else if (!multiline && line.StartsWith("SUCCESS:", StringComparison.Ordinal))
                Done.TrySetResult([line["SUCCESS:".Length..].Trim()]);
            else if (multiline && line == "END")
                Done.TrySetResult([.. _lines]);
            else if (multiline)
                _lines.Add(line);
        }
    }
}

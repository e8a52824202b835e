using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Mnigs.Tests.Networks.Yggdrasil;

/// <summary>
/// Plays yggdrasil's admin socket on a unix socket in a temporary directory (or on 127.0.0.1): reads one JSON
/// request per connection, answers what <see cref="Answer"/> gives for it, closes, as yggdrasil does without
/// keepalive. <see cref="Replaying"/> answers from a fixture set and says "Unknown action" like 0.4.7 for the rest.
/// </summary>
internal sealed class YggdrasilAdminServer : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _serving;
    private readonly string? _directory;
    private readonly List<string> _requests = [];

    public YggdrasilAdminServer(Func<string, string?, string?> answer, bool tcp = false)
    {
        Answer = answer;
        if (tcp)
        {
            _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            Endpoint = $"tcp://127.0.0.1:{((IPEndPoint)_listener.LocalEndPoint!).Port}";
        }
        else
        {
            _directory = System.IO.Directory.CreateTempSubdirectory("mnigs-ygg-").FullName;
            SocketPath = Path.Combine(_directory, "yggdrasil.sock");
            _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            _listener.Bind(new UnixDomainSocketEndPoint(SocketPath));
            Endpoint = "unix://" + SocketPath;
        }
        _listener.Listen();
        _serving = ServeAsync();
    }

    /// <summary>(request, key argument) → the raw answer; null says nothing and keeps the connection open.</summary>
    public Func<string, string?, string?> Answer { get; }

    public string Endpoint { get; }

    public string? SocketPath { get; }

    /// <summary>Each request as received, raw.</summary>
    public IReadOnlyList<string> Requests
    {
        get
        {
            lock (_requests)
                return [.. _requests];
        }
    }

    public int Count(string request) => Requests.Count(r => Name(r) == request);

    public static YggdrasilAdminServer Replaying(string node, bool tcp = false) => new((request, key) =>
    {
        if (request == "debug_remoteGetPeers" && key is not null && YggdrasilFixtures.Recorded.NodeOf(key) is { } other
            && YggdrasilFixtures.Exists(node, $"{request}.{other}"))
            return YggdrasilFixtures.Read(node, $"{request}.{other}");
        if (request != "debug_remoteGetPeers" && YggdrasilFixtures.Exists(node, request))
            return YggdrasilFixtures.Read(node, request);
        return UnknownAction(request);
    }, tcp);

    /// <summary>What 0.4.7 says for a request it does not have.</summary>
    public static string UnknownAction(string request) =>
        $"{{\n  \"status\": \"error\",\n  \"error\": \"Unknown action '{request.ToLowerInvariant()}', try 'list' for help\",\n  \"request\": null,\n  \"response\": null\n}}\n";

    private async Task ServeAsync()
    {
        try
        {
            while (true)
            {
                var client = await _listener.AcceptAsync(_stop.Token);
                _ = ConverseAsync(client);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }
    }

    private async Task ConverseAsync(Socket client)
    {
        using (client)
        {
            try
            {
                var received = new List<byte>();
                var buffer = new byte[4096];
                string? request = null;
                while (request is null)
                {
                    var read = await client.ReceiveAsync(buffer, _stop.Token);
                    if (read == 0)
                        return;
                    received.AddRange(buffer.AsSpan(0, read));
                    request = Complete(received);
                }
                lock (_requests)
                    _requests.Add(request);
                var answer = Answer(Name(request) ?? "", Key(request));
                if (answer is null)
                {
                    await Task.Delay(Timeout.Infinite, _stop.Token);
                    return;
                }
                await client.SendAsync(Encoding.UTF8.GetBytes(answer), _stop.Token);
                client.Shutdown(SocketShutdown.Both);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
            }
        }
    }

    private static string? Complete(List<byte> bytes)
    {
        var text = Encoding.UTF8.GetString([.. bytes]);
        try
        {
            using var _ = JsonDocument.Parse(text);
            return text;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? Name(string request)
    {
        using var json = JsonDocument.Parse(request);
        return json.RootElement.TryGetProperty("request", out var r) ? r.GetString() : null;
    }

    private static string? Key(string request)
    {
        using var json = JsonDocument.Parse(request);
        return json.RootElement.TryGetProperty("arguments", out var a) && a.TryGetProperty("key", out var k) ? k.GetString() : null;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Dispose();
        await _serving;
        _stop.Dispose();
        if (_directory is not null)
            System.IO.Directory.Delete(_directory, recursive: true);
    }
}

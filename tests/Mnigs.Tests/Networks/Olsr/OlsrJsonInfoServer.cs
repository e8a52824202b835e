using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Mnigs.Tests.TestSupport;

namespace Mnigs.Tests.Networks.Olsr;

/// <summary>
/// Stands in for olsrd's jsoninfo plugin on 127.0.0.1: either a real HTTP server (Kestrel), as olsrd 0.9
/// answers, or a bare TCP listener that reads the request line and writes the body with no HTTP headers and
/// closes, as olsrd 0.6 does. Counts the requests by endpoint.
/// </summary>
internal sealed class OlsrJsonInfoServer : IAsyncDisposable
{
    private readonly KestrelServer? _kestrel;
    private readonly TcpListener? _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting = Task.CompletedTask;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> _asked = new();

    private OlsrJsonInfoServer(KestrelServer kestrel)
    {
        _kestrel = kestrel;
        Url = $"http://127.0.0.1:{kestrel.Port}";
    }

    private OlsrJsonInfoServer(TcpListener listener, Func<string, string?> answer)
    {
        _listener = listener;
        Url = $"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}";
        _accepting = AcceptAsync(answer);
    }

    public string Url { get; }

    public int Asked(string endpoint) => _asked.GetValueOrDefault(endpoint);

    /// <summary>Answers every endpoint from the recorded files of <paramref name="node"/>, as that olsrd did; 404 for others.</summary>
    public static async Task<OlsrJsonInfoServer> ReplayingAsync(string node, Func<string, string?>? replace = null)
    {
        string? Answer(string endpoint) =>
            replace?.Invoke(endpoint) ?? (OlsrFixtures.Exists(node, endpoint) ? OlsrFixtures.Read(node, endpoint) : null);
        return OlsrFixtures.Headerless(node)
            ? Headerless(endpoint => Answer(endpoint) ?? "")
            : await HttpAsync(endpoint => Answer(endpoint) is { } body ? (200, body) : (404, ""));
    }

    /// <summary>An HTTP server answering GET /ENDPOINT with the status and body given.</summary>
    public static async Task<OlsrJsonInfoServer> HttpAsync(Func<string, (int Status, string Body)> answer)
    {
        OlsrJsonInfoServer? server = null;
        var kestrel = await KestrelServer.StartAsync(app => app.Run(async http =>
        {
            var endpoint = http.Request.Path.Value?.TrimStart('/') ?? "";
            server!._asked.AddOrUpdate(endpoint, 1, (_, n) => n + 1);
            var (status, body) = answer(endpoint);
            http.Response.StatusCode = status;
            http.Response.ContentType = "application/vnd.api+json";
            await http.Response.WriteAsync(body, Encoding.UTF8);
        }));
        server = new OlsrJsonInfoServer(kestrel);
        return server;
    }

    /// <summary>olsrd 0.6: no HTTP at all, the body alone, then the connection closes.</summary>
    public static OlsrJsonInfoServer Headerless(Func<string, string?> answer)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return new OlsrJsonInfoServer(listener, answer);
    }

    private async Task AcceptAsync(Func<string, string?> answer)
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener!.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            _ = Task.Run(async () =>
            {
                using (client)
                {
                    var stream = client.GetStream();
                    var request = new byte[1024];
                    var read = await stream.ReadAsync(request, _stop.Token);
                    // olsrd 0.6 looks for "/links" and so on anywhere in what it received.
                    var line = Encoding.ASCII.GetString(request, 0, read).Split('\n')[0];
                    var endpoint = line.Split(' ').ElementAtOrDefault(1)?.TrimStart('/') ?? "";
                    _asked.AddOrUpdate(endpoint, 1, (_, n) => n + 1);
                    if (answer(endpoint) is { } body)
                        await stream.WriteAsync(Encoding.UTF8.GetBytes(body), _stop.Token);
                }
            });
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener?.Stop();
        await _accepting;
        if (_kestrel is not null)
            await _kestrel.DisposeAsync();
        _stop.Dispose();
    }
}

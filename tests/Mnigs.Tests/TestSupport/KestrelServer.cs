using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;

namespace Mnigs.Tests.TestSupport;

/// <summary>
/// A real Kestrel on a free port with only what a test maps, for endpoints whose behaviour depends on
/// the HTTP layer (caller address, headers, status codes). The client talks to it over 127.0.0.1.
/// </summary>
internal sealed class KestrelServer : IAsyncDisposable
{
    private KestrelServer(WebApplication app, int port)
    {
        App = app;
        Port = port;
        Client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
    }

    public WebApplication App { get; }

    public int Port { get; }

    public HttpClient Client { get; }

    /// <param name="listen">Where to listen; loopback by default, <see cref="IPAddress.IPv6Any"/> for a dual-stack listener.</param>
    public static async Task<KestrelServer> StartAsync(Action<WebApplication> map, IPAddress? listen = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(listen ?? IPAddress.Loopback, 0));
        var app = builder.Build();
        map(app);
        await app.StartAsync();
        var port = new Uri(app.Urls.Single().Replace("[::]", "localhost", StringComparison.Ordinal)).Port;
        return new KestrelServer(app, port);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }
}

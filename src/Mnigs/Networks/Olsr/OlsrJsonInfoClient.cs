using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Mnigs.Networks.Olsr;

/// <summary>
/// GETs one section of olsrd's jsoninfo plugin: <c>BASE/links</c> and so on. olsrd 0.9 answers HTTP/1.1 and
/// closes the connection; olsrd 0.6 answers with the bare JSON and no HTTP headers at all (its <c>httpheaders</c>
/// parameter is off by default, and 0.6.6 and earlier have none), which HttpClient cannot read, so on such an
/// answer the request is made again over a plain TCP connection, and from then on always so. Every answer is
/// bounded in size and time. Every failure becomes an <see cref="OlsrJsonInfoException"/> an operator can act on.
/// </summary>
internal sealed class OlsrJsonInfoClient : IDisposable
{
    /// <summary>Far above any real answer (the /topology of a 1000-node mesh is about 1 MiB), far below trouble.</summary>
    internal const int MaxAnswerBytes = 4 << 20;

    private readonly Uri _base;
    private readonly string _where;
    private readonly TimeSpan _timeout;
    private readonly HttpClient _http;
    private volatile bool _headerless;

    public OlsrJsonInfoClient(Uri baseUrl, TimeSpan timeout)
    {
        _base = baseUrl;
        _where = baseUrl.GetLeftPart(UriPartial.Path).TrimEnd('/');
        _timeout = timeout;
        _http = new HttpClient(new SocketsHttpHandler
        {
            // A local daemon: never through a proxy from the environment, never elsewhere by a redirect.
            UseProxy = false,
            AllowAutoRedirect = false,
            ConnectTimeout = timeout,
            PooledConnectionLifetime = TimeSpan.Zero,
            MaxResponseHeadersLength = 16,
        })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    /// <summary>The base URL as the operator wrote it, for messages.</summary>
    public string Where => _where;

    /// <summary>The body of <c>GET BASE/<paramref name="request"/></c>; an empty object when olsrd has nothing (HTTP 204).</summary>
    public async Task<string> GetAsync(string request, CancellationToken ct)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(_timeout);
        try
        {
            if (!_headerless)
            {
                try
                {
                    return await GetHttpAsync(request, deadline.Token);
                }
                catch (HttpRequestException e) when (e.HttpRequestError == HttpRequestError.InvalidResponse)
                {
                    // olsrd 0.6 without httpheaders: the answer is the JSON itself.
                    _headerless = true;
                }
            }
            return await GetPlainAsync(request, deadline.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new OlsrJsonInfoException($"olsrd's jsoninfo plugin at {Where} did not answer /{request} within {_timeout.TotalSeconds:0.###} s");
        }
        catch (HttpRequestException e) when (e.HttpRequestError == HttpRequestError.ResponseEnded)
        {
            throw new OlsrJsonInfoException(
                $"olsrd's jsoninfo plugin at {Where} closed the connection without answering /{request} (is this host in its \"accept\" parameter?)", e);
        }
        catch (HttpRequestException e) when (e.InnerException is SocketException s)
        {
            throw NotAnswering(s, e);
        }
        catch (SocketException e)
        {
            throw NotAnswering(e, e);
        }
        catch (HttpRequestException e)
        {
            throw new OlsrJsonInfoException($"olsrd's jsoninfo plugin at {Where} could not be asked for /{request}: {e.Message}", e);
        }
        catch (IOException e) when (e is not OlsrJsonInfoException)
        {
            throw new OlsrJsonInfoException($"olsrd's jsoninfo plugin at {Where} dropped the connection during /{request}: {e.Message}", e);
        }
    }

    public void Dispose() => _http.Dispose();

    private OlsrJsonInfoException NotAnswering(SocketException s, Exception e) => new(s.SocketErrorCode switch
    {
        SocketError.ConnectionRefused => $"olsrd's jsoninfo plugin does not answer at {Where}: connection refused (is olsrd running? load olsrd_jsoninfo in olsrd.conf)",
        SocketError.HostNotFound or SocketError.NoData => $"olsrd's jsoninfo plugin does not answer at {Where}: no such host",
        _ => $"olsrd's jsoninfo plugin does not answer at {Where}: {s.Message} (load olsrd_jsoninfo in olsrd.conf)",
    }, e);

    private async Task<string> GetHttpAsync(string request, CancellationToken ct)
    {
        using var response = await _http.GetAsync(new Uri(_where + "/" + request), HttpCompletionOption.ResponseHeadersRead, ct);
        if (response.StatusCode == HttpStatusCode.NoContent)
            return "{}";
        if (response.StatusCode == HttpStatusCode.Forbidden)
            throw Refused();
        if (!response.IsSuccessStatusCode)
            throw new OlsrJsonInfoException($"olsrd's jsoninfo plugin at {Where} answered /{request} with HTTP {(int)response.StatusCode} {response.ReasonPhrase}");
        if (response.Content.Headers.ContentLength > MaxAnswerBytes)
            throw TooLarge(request);
        await using var body = await response.Content.ReadAsStreamAsync(ct);
        return await ReadBoundedAsync(body, request, ct);
    }

    /// <summary>The same question over a bare TCP connection; the answer may or may not start with HTTP headers.</summary>
    private async Task<string> GetPlainAsync(string request, CancellationToken ct)
    {
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(new DnsEndPoint(_base.DnsSafeHost, _base.Port), ct);
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"GET {_base.AbsolutePath.TrimEnd('/')}/{request} HTTP/1.0\r\n\r\n"), ct);
        var text = await ReadBoundedAsync(stream, request, ct);
        if (!text.StartsWith("HTTP/", StringComparison.Ordinal))
            return text;
        var status = text.AsSpan(0, Math.Max(0, text.IndexOf('\n'))).Trim().ToString();
        var parts = status.Split(' ', 3);
        if (parts.Length < 2 || !int.TryParse(parts[1], out var code))
            throw new OlsrJsonInfoException($"olsrd's jsoninfo plugin at {Where} sent a /{request} answer Mnigs cannot read: \"{status}\"");
        if (code == 204)
            return "{}";
        if (code == 403)
            throw Refused();
        if (code is < 200 or > 299)
            throw new OlsrJsonInfoException($"olsrd's jsoninfo plugin at {Where} answered /{request} with HTTP {status[(status.IndexOf(' ') + 1)..]}");
        var body = text.IndexOf("\r\n\r\n", StringComparison.Ordinal) is var crlf and >= 0 ? crlf + 4
            : text.IndexOf("\n\n", StringComparison.Ordinal) is var lf and >= 0 ? lf + 2
            : text.Length;
        return text[body..];
    }

    private async Task<string> ReadBoundedAsync(Stream stream, string request, CancellationToken ct)
    {
        var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await stream.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > MaxAnswerBytes)
                throw TooLarge(request);
            buffer.Write(chunk, 0, read);
        }
        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    private OlsrJsonInfoException Refused() =>
        new($"olsrd's jsoninfo plugin at {Where} refuses this host (HTTP 403): set PlParam \"accept\" \"127.0.0.1\" (or this host's address) in its LoadPlugin block");

    private OlsrJsonInfoException TooLarge(string request) =>
        new($"olsrd's jsoninfo plugin at {Where} sent more than {MaxAnswerBytes >> 20} MiB for /{request}; giving up");
}

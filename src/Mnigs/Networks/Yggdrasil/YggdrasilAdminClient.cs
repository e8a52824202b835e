using System.Buffers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Mnigs.Networks.Yggdrasil;

/// <summary>
/// One request to yggdrasil's admin socket (yggdrasil-go src/admin/admin.go, 0.4 and 0.5 alike): connect, send
/// <c>{"request":"NAME","arguments":{...}}</c>, read the one JSON object it answers. Without <c>keepalive</c>
/// yggdrasil closes the connection after its answer. Every failure becomes a <see cref="YggdrasilAdminException"/>
/// whose message an operator can act on.
/// </summary>
internal static class YggdrasilAdminClient
{
    /// <summary>Far above any real answer (a getTree of a 10 000-node network is a few MiB), far below trouble.</summary>
    internal const int MaxAnswerBytes = 32 << 20;

    /// <summary>Returns yggdrasil's whole answer (the envelope with status and response) as text.</summary>
    public static async Task<string> RequestAsync(YggdrasilEndpoint endpoint, string request, string? key, TimeSpan timeout, CancellationToken ct)
    {
        var where = endpoint.Where;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        try
        {
            using var socket = endpoint.UnixPath is null
                ? new Socket(SocketType.Stream, ProtocolType.Tcp)
                : new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            await socket.ConnectAsync(endpoint.ToEndPoint(), deadline.Token);
            await using var stream = new NetworkStream(socket, ownsSocket: false);
            await stream.WriteAsync(Encode(request, key), deadline.Token);

            var answer = new ArrayBufferWriter<byte>(4096);
            while (true)
            {
                var memory = answer.GetMemory(16 * 1024);
                var read = await stream.ReadAsync(memory, deadline.Token);
                if (read == 0)
                    break;
                answer.Advance(read);
                if (answer.WrittenCount > MaxAnswerBytes)
                    throw new YggdrasilAdminException($"yggdrasil on {where} sent more than {MaxAnswerBytes >> 20} MiB for {request}; giving up");
                if (EndsOneObject(answer.WrittenSpan))
                    break;
            }
            if (answer.WrittenCount == 0)
                throw new YggdrasilAdminException($"yggdrasil closed the admin connection on {where} without answering {request}");
            return Encoding.UTF8.GetString(answer.WrittenSpan);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new YggdrasilAdminException($"yggdrasil did not answer {request} on {where} within {timeout.TotalSeconds:0.###} s");
        }
        catch (SocketException e) when (endpoint.UnixPath is { } path && !path.StartsWith('@') && !File.Exists(path))
        {
            throw new YggdrasilAdminException($"yggdrasil is not running: no admin socket at {path}", e);
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
        {
            throw new YggdrasilAdminException(endpoint.UnixPath is { } path
                ? $"yggdrasil is not running: nobody answers on the admin socket {path}"
                : $"yggdrasil is not running: nobody answers on {where}", e);
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AccessDenied)
        {
            throw new YggdrasilAdminException($"no permission to use yggdrasil's admin socket {where}", e);
        }
        catch (SocketException e)
        {
            throw new YggdrasilAdminException($"cannot reach yggdrasil on {where}: {e.Message}", e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new YggdrasilAdminException($"no permission to use yggdrasil's admin socket {where}", e);
        }
        catch (IOException e) when (e is not YggdrasilAdminException)
        {
            throw new YggdrasilAdminException($"yggdrasil on {where} dropped the connection: {e.Message}", e);
        }
    }

    private static byte[] Encode(string request, string? key)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("request", request);
            if (key is not null)
            {
                json.WriteStartObject("arguments");
                json.WriteString("key", key);
                json.WriteEndObject();
            }
            json.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// Whether the bytes so far are one whole JSON object. yggdrasil closes the connection after answering,
    /// so this only matters for a server that keeps it open; checked only when the text ends in '}'.
    /// </summary>
    private static bool EndsOneObject(ReadOnlySpan<byte> bytes)
    {
        var end = bytes.TrimEnd(" \t\r\n"u8);
        if (end.IsEmpty || end[^1] != (byte)'}')
            return false;
        var reader = new Utf8JsonReader(end, isFinalBlock: false, state: default);
        try
        {
            return reader.Read() && reader.TokenType == JsonTokenType.StartObject && reader.TrySkip();
        }
        catch (JsonException)
        {
            // Not JSON at all: stop reading, the parser says what it was.
            return true;
        }
    }
}

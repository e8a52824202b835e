using System.Buffers;
using System.Net.Sockets;
using System.Text;

namespace Mnigs.Networks.Babel;

/// <summary>
/// One conversation with babeld's local interface (<c>babeld -g/-G PORT</c>, TCP on ::1): connect, read
/// the greeting up to <c>ok</c>, send at most one request, read its answer up to <c>ok</c>, say <c>quit</c>.
/// Every failure becomes a <see cref="BabelLocalException"/> whose message an operator can act on.
/// </summary>
internal static class BabelLocalClient
{
    /// <summary>Far above any real dump (a 10 000-route mesh is a few MiB), far below trouble.</summary>
    internal const int MaxConversationBytes = 32 << 20;

    /// <summary>Returns what babeld sent: the greeting, then the answer to <paramref name="request"/> if any.</summary>
    public static async Task<string> ConverseAsync(string host, int port, string? request, TimeSpan timeout, CancellationToken ct)
    {
        var where = $"{host} port {port}";
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        try
        {
            using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync(host, port, deadline.Token);
            await using var stream = new NetworkStream(socket, ownsSocket: false);
            // babeld writes its dump a line at a time; without quick ACKs each dump waits ~40 ms for delayed ACKs.
            var reader = new LineReader(stream, where, () => QuickAck(socket));
            var text = new StringBuilder();

            var first = await reader.ReadLineAsync(deadline.Token)
                ?? throw new BabelLocalException($"babeld closed the connection on {where} without a greeting");
            if (!first.StartsWith("BABEL ", StringComparison.Ordinal))
                throw new BabelLocalException($"something other than babeld answers on {where} (it said \"{Quote(first)}\")");
            if (!first.StartsWith("BABEL 1.", StringComparison.Ordinal))
                throw new BabelLocalException($"babeld on {where} speaks local protocol {Quote(first[6..])}; Mnigs understands 1.x");
            text.Append(first).Append('\n');
            await ReadAnswerAsync(reader, text, "the greeting", where, deadline.Token);

            if (request is not null)
            {
                await stream.WriteAsync(Encoding.ASCII.GetBytes(request + "\n"), deadline.Token);
                await ReadAnswerAsync(reader, text, $"`{request}`", where, deadline.Token);
            }
            await SayQuitAsync(stream);
            return text.ToString();
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new BabelLocalException($"babeld did not answer on {where} within {timeout.TotalSeconds:0.###} s");
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
        {
            throw new BabelLocalException($"babeld is not running: no answer on {where}", e);
        }
        catch (SocketException e)
        {
            throw new BabelLocalException($"cannot reach babeld on {where}: {e.Message}", e);
        }
        catch (IOException e) when (e is not BabelLocalException)
        {
            throw new BabelLocalException($"babeld on {where} dropped the connection: {e.Message}", e);
        }
    }

    /// <summary>Appends lines up to the terminating <c>ok</c>; <c>no</c> and <c>bad</c> are refusals.</summary>
    private static async Task ReadAnswerAsync(LineReader reader, StringBuilder text, string what, string where, CancellationToken ct)
    {
        while (true)
        {
            var line = await reader.ReadLineAsync(ct)
                ?? throw new BabelLocalException($"babeld closed the connection on {where} in the middle of {what}");
            text.Append(line).Append('\n');
            if (line == "ok")
                return;
            if (line == "bad" || line == "no" || line.StartsWith("no ", StringComparison.Ordinal))
                throw new BabelLocalException($"babeld on {where} refused {what}: {Quote(line)}");
        }
    }

    private static async Task SayQuitAsync(NetworkStream stream)
    {
        // Courtesy only: babeld copes with a client that just closes.
        try
        {
            using var shortWait = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
            await stream.WriteAsync("quit\n"u8.ToArray(), shortWait.Token);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or SocketException)
        {
        }
    }

    private static string Quote(string s)
    {
        var printable = new string([.. s.Take(60).Select(c => char.IsControl(c) ? '?' : c)]);
        return s.Length > 60 ? printable + "..." : printable;
    }

    /// <summary>Splits the stream into '\n'-terminated lines, refusing to hold more than <see cref="MaxConversationBytes"/>.</summary>
    private static readonly byte[] On = BitConverter.GetBytes(1);

    /// <summary>TCP_QUICKACK (Linux): acknowledge at once; the kernel clears it again, so it is set before every read.</summary>
    private static void QuickAck(Socket socket)
    {
        const int IpProtoTcp = 6, TcpQuickAck = 12;
        try
        {
            socket.SetRawSocketOption(IpProtoTcp, TcpQuickAck, On);
        }
        catch (SocketException)
        {
            // Not Linux, or not supported: only slower.
        }
    }

    private sealed class LineReader(Stream stream, string where, Action? beforeRead = null)
    {
        private readonly byte[] _buffer = new byte[16 * 1024];
        private int _start;
        private int _end;
        private long _total;

        /// <summary>The next line without its '\n' (and '\r'), or null at the end of the stream.</summary>
        public async ValueTask<string?> ReadLineAsync(CancellationToken ct)
        {
            var line = new ArrayBufferWriter<byte>();
            while (true)
            {
                if (_start == _end)
                {
                    _start = 0;
                    beforeRead?.Invoke();
                    _end = await stream.ReadAsync(_buffer, ct);
                    if (_end == 0)
                        return line.WrittenCount == 0 ? null : Decode(line.WrittenSpan);
                    _total += _end;
                    if (_total > MaxConversationBytes)
                        throw new BabelLocalException($"babeld on {where} sent more than {MaxConversationBytes >> 20} MiB; giving up");
                }
                var pending = _buffer.AsSpan(_start, _end - _start);
                var newline = pending.IndexOf((byte)'\n');
                if (newline < 0)
                {
                    line.Write(pending);
                    _start = _end;
                    continue;
                }
                line.Write(pending[..newline]);
                _start += newline + 1;
                return Decode(line.WrittenSpan);
            }
        }

        private static string Decode(ReadOnlySpan<byte> bytes) => Encoding.UTF8.GetString(bytes).TrimEnd('\r');
    }
}

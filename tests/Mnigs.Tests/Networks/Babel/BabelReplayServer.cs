using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Mnigs.Tests.Networks.Babel;

/// <summary>
/// Plays babeld's part of a recorded conversation on [::1]:random: the greeting on connect, the dump
/// answer on <c>dump</c>, <c>bad</c> on anything else, close on <c>quit</c>. Optionally says nothing at
/// all, or hangs up right after the answer.
/// </summary>
internal sealed class BabelReplayServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.IPv6Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _serving;
    private readonly string _greeting;
    private readonly string _answer;
    private readonly bool _silent;
    private readonly bool _closeAfterAnswer;
    private int _connections;

    public BabelReplayServer(string greeting, string answer, bool silent = false, bool closeAfterAnswer = false)
    {
        _greeting = greeting;
        _answer = answer;
        _silent = silent;
        _closeAfterAnswer = closeAfterAnswer;
        _listener.Start();
        _serving = ServeAsync();
    }

    public static BabelReplayServer Replaying(string fixture)
    {
        var text = BabelFixtures.Read(fixture);
        return new BabelReplayServer(BabelFixtures.Greeting(text), BabelFixtures.DumpAnswer(text));
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public int Connections => Volatile.Read(ref _connections);

    private async Task ServeAsync()
    {
        try
        {
            while (true)
            {
                using var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                Interlocked.Increment(ref _connections);
                await ConverseAsync(client.GetStream());
            }
        }
        // Stopping the listener ends the loop with whichever of these the race produces.
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException or IOException or InvalidOperationException)
        {
        }
    }

    private async Task ConverseAsync(NetworkStream stream)
    {
        if (_silent)
        {
            await Task.Delay(Timeout.Infinite, _stop.Token);
            return;
        }
        await stream.WriteAsync(Encoding.UTF8.GetBytes(_greeting), _stop.Token);
        using var reader = new StreamReader(stream, Encoding.UTF8, leaveOpen: true);
        while (await reader.ReadLineAsync(_stop.Token) is { } request)
        {
            if (request == "quit")
                return;
            var reply = request == "dump" ? _answer : "bad\n";
            await stream.WriteAsync(Encoding.UTF8.GetBytes(reply), _stop.Token);
            if (_closeAfterAnswer)
                return;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _serving;
        _stop.Dispose();
    }
}

using System.Net;
using System.Net.Sockets;
using Mnigs.Networks.Cjdns;

namespace Mnigs.Tests.Networks.Cjdns;

/// <summary>
/// Plays cjdroute's admin interface on a real UDP socket at 127.0.0.1 (a port of its own): gives cookies,
/// checks every signed call's hash as cjdroute does (<see cref="CjdrouteWire.AuthValid"/>) and answers
/// "Auth failed." when it is wrong, then answers the call with what <see cref="Answer"/> gives for the
/// function and its arguments, the caller's txid put in and padded the way cjdroute pads. <see cref="Replaying"/>
/// answers from the recorded datagrams. It can also stay silent or answer garbage.
/// </summary>
internal sealed class FakeCjdroute : IAsyncDisposable
{
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _serving;
    private readonly List<byte[]> _received = [];
    private int _disposed;

    public FakeCjdroute(Func<string, BencDictionary, BencDictionary?> answer, string password = CjdnsFixtures.Password, string cookie = CjdnsFixtures.NodeCookie)
    {
        Answer = answer;
        Password = password;
        Cookie = cookie;
        _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        Port = ((IPEndPoint)_socket.LocalEndPoint!).Port;
        _serving = ServeAsync();
    }

    /// <summary>(function, args) → the answer without txid; null: cjdroute has no such function.</summary>
    public Func<string, BencDictionary, BencDictionary?> Answer { get; }

    public string Password { get; }

    public string Cookie { get; set; }

    public int Port { get; }

    /// <summary>Say nothing at all (a cjdroute that hangs, or another program on the port).</summary>
    public bool Silent { get; set; }

    /// <summary>When set, every datagram is answered with these bytes, whatever it asked.</summary>
    public Func<byte[], byte[]>? Garbage { get; set; }

    /// <summary>Each datagram as received.</summary>
    public IReadOnlyList<byte[]> Received
    {
        get
        {
            lock (_received)
                return [.. _received];
        }
    }

    /// <summary>The signed calls received, as (function, args).</summary>
    public IReadOnlyList<(string Function, BencDictionary Args)> Calls =>
        [.. Received.Select(d => Bencode.TryDecode(d, out var v, out _) ? v as BencDictionary : null)
            .Where(d => d?.Text("q") == "auth")
            .Select(d => (d!.Text("aq") ?? "", d.Dictionary("args") ?? new BencDictionary()))];

    public CjdnsAdminEndpoint Endpoint(string? password = null) =>
        new(IPAddress.Loopback, Port, password ?? Password, "the test's cjdroute.conf");

    public CjdnsAdminClient Client(string? password = null, TimeSpan? timeout = null) =>
        new(Endpoint(password), timeout ?? TimeSpan.FromSeconds(2));

    /// <summary>Answers as node 1 or node 2 of the recording did; see <see cref="Recorded"/>.</summary>
    public static FakeCjdroute Replaying(int node = 1, string cookie = CjdnsFixtures.NodeCookie) =>
        new(Recorded.For(node), cookie: cookie);

    private async Task ServeAsync()
    {
        var buffer = new byte[70_000];
        while (true)
        {
            SocketReceiveFromResult got;
            try
            {
                got = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), _stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                if (_stop.IsCancellationRequested)
                    return;
                continue;
            }
            var datagram = buffer.AsSpan(0, got.ReceivedBytes).ToArray();
            lock (_received)
                _received.Add(datagram);
            if (Silent)
                continue;
            var reply = Garbage is { } garbage ? garbage(datagram) : Reply(datagram);
            if (reply is null)
                continue;
            try
            {
                await _socket.SendToAsync(reply, SocketFlags.None, got.RemoteEndPoint, _stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
            }
        }
    }

    /// <summary>What cjdroute answers (admin/Admin.c, handleRequest); null where it says nothing.</summary>
    private byte[]? Reply(byte[] datagram)
    {
        if (!Bencode.TryDecode(datagram, out var value, out _) || value is not BencDictionary request || request.Text("q") is not { } query)
            return null;
        BencDictionary answer;
        if (query == "cookie")
        {
            answer = new BencDictionary { ["cookie"] = Cookie };
        }
        else if (query == "auth" && !CjdrouteWire.AuthValid(datagram, request, Password, Cookie))
        {
            answer = new BencDictionary { ["error"] = "Auth failed." };
        }
        else
        {
            var function = query == "auth" ? request.Text("aq") ?? "" : query;
            answer = Answer(function, request.Dictionary("args") ?? new BencDictionary())
                ?? new BencDictionary { ["error"] = "No functions matched your request, try Admin_availableFunctions()" };
        }
        if (request["txid"] is { } txid)
            answer["txid"] = txid;
        return CjdrouteWire.Encode(answer);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
            return;
        await _stop.CancelAsync();
        _socket.Dispose();
        await _serving;
        _stop.Dispose();
    }
}

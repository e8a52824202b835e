using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace Mnigs.Networks.Cjdns;

/// <summary>
/// Calls cjdroute's admin interface (bencoded UDP, admin/Admin.c; doc/admin-api.md) the way its own tools do:
/// ask for a cookie, then send the call signed with the password and that cookie (<see cref="CjdnsAdminRequest"/>),
/// and take the answer that carries the call's txid. Each call uses its own socket, connected to the admin
/// port, so only cjdroute's datagrams arrive and a late answer to an earlier call cannot be taken for this one.
/// Every failure is a <see cref="CjdnsAdminException"/> whose message an operator can act on.
/// </summary>
public sealed class CjdnsAdminClient(CjdnsAdminEndpoint endpoint, TimeSpan timeout)
{
    /// <summary>Most pages one paged call fetches (cjdroute sends 4 nodes or 6 peers a page).</summary>
    public const int MaxPages = 1024;

    private const string AuthFailed = "Auth failed.";
    private const string NoSuchFunction = "No functions matched your request";

    private long _cookies = -1;
    private long _calls = -1;

    public CjdnsAdminEndpoint Endpoint => endpoint;

    /// <summary>Calls <paramref name="function"/> and returns cjdroute's answer; an <c>error</c> other than <c>none</c> throws.</summary>
    public async Task<BencDictionary> CallAsync(string function, BencDictionary? args, CancellationToken ct)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        var asking = "a cookie";
        try
        {
            using var socket = new Socket(endpoint.Address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            await socket.ConnectAsync(endpoint.ToEndPoint(), deadline.Token);
            var buffer = new byte[BencodeLimits.DatagramBytes + 1];

            var cookieTxid = "c" + Interlocked.Increment(ref _cookies).ToString(CultureInfo.InvariantCulture);
            await socket.SendAsync(CjdnsAdminRequest.Cookie(cookieTxid), deadline.Token);
            var cookie = CookieOf(await AnswerAsync(socket, buffer, cookieTxid, deadline.Token));

            asking = function;
            var txid = "t" + Interlocked.Increment(ref _calls).ToString(CultureInfo.InvariantCulture);
            await socket.SendAsync(CjdnsAdminRequest.Call(function, args, endpoint.Password, cookie, txid), deadline.Token);
            return Checked(function, await AnswerAsync(socket, buffer, txid, deadline.Token));
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new CjdnsAdminException(
                $"cjdroute did not answer {(asking == function ? function : "the request for " + asking)} on {endpoint.Where} within {timeout.TotalSeconds:0.###} s");
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
        {
            throw new CjdnsAdminException($"cjdroute is not running: nothing listens on {endpoint.Where} (from {endpoint.Source})", e);
        }
        catch (SocketException e)
        {
            throw new CjdnsAdminException($"cannot reach cjdroute's admin interface on {endpoint.Where}: {e.Message}", e);
        }
    }

    /// <summary>
    /// Calls a function that answers page by page (<c>page</c> argument, <c>more: 1</c> while pages remain) and
    /// returns the items of the list <paramref name="listKey"/> of every page, at most <paramref name="maxItems"/>.
    /// </summary>
    public async Task<CjdnsPages> CallPagedAsync(string function, string listKey, int maxItems, CancellationToken ct)
    {
        var items = new List<BencValue>();
        for (var page = 0; page < MaxPages; page++)
        {
            var answer = await CallAsync(function, new BencDictionary { ["page"] = page }, ct);
            if (answer.List(listKey) is not { } list)
                throw new CjdnsAdminException($"cjdroute's answer to {function} on {endpoint.Where} has no list \"{listKey}\": {Shorten(answer)}");
            items.AddRange(list.Items);
            var more = answer.Integer("more") == 1 && list.Items.Count > 0;
            if (items.Count >= maxItems)
                return new CjdnsPages([.. items.Take(maxItems)], Truncated: more || items.Count > maxItems, page + 1);
            if (!more)
                return new CjdnsPages(items, Truncated: false, page + 1);
        }
        return new CjdnsPages(items, Truncated: true, MaxPages);
    }

    /// <summary>The first datagram with <paramref name="txid"/>; others (late answers, keepalives) are passed over.</summary>
    private async Task<BencDictionary> AnswerAsync(Socket socket, byte[] buffer, string txid, CancellationToken ct)
    {
        var wanted = Encoding.UTF8.GetBytes(txid);
        while (true)
        {
            var length = await socket.ReceiveAsync(buffer, SocketFlags.None, ct);
            BencValue value;
            try
            {
                value = Bencode.Decode(buffer.AsSpan(0, length));
            }
            catch (BencodeException e)
            {
                throw new CjdnsAdminException($"what answers on {endpoint.Where} does not speak cjdns' admin protocol: {e.Message}", e);
            }
            if (value is not BencDictionary answer)
                throw new CjdnsAdminException($"what answers on {endpoint.Where} does not speak cjdns' admin protocol: it sent {Shorten(value)}");
            if (answer["txid"] is BencString s && s.Bytes.Span.SequenceEqual(wanted))
                return answer;
        }
    }

    /// <summary>cjdroute's cookie is the time in seconds, which it reads back as a number: anything else is not cjdroute.</summary>
    private string CookieOf(BencDictionary answer)
    {
        var cookie = answer.Text("cookie");
        if (cookie is not { Length: >= 1 and <= 10 } || cookie.Any(c => !char.IsAsciiDigit(c)) || cookie[0] == '0' || !uint.TryParse(cookie, CultureInfo.InvariantCulture, out _))
            throw new CjdnsAdminException($"what answers on {endpoint.Where} does not speak cjdns' admin protocol: it answered the cookie request with {Shorten(answer)}");
        return cookie;
    }

    private BencDictionary Checked(string function, BencDictionary answer)
    {
        var error = answer.Text("error");
        if (error is null || error == "none")
            return answer;
        if (error == AuthFailed)
        {
            throw new CjdnsAdminException($"cjdroute refused the admin password from {endpoint.Source} (admin interface {endpoint.Where})")
            {
                CjdnsError = error,
                PasswordRefused = true,
            };
        }
        if (error.StartsWith(NoSuchFunction, StringComparison.Ordinal))
        {
            throw new CjdnsAdminException($"cjdroute on {endpoint.Where} has no admin function {function}: another cjdns version?")
            {
                CjdnsError = error,
                UnknownFunction = true,
            };
        }
        throw new CjdnsAdminException($"cjdroute on {endpoint.Where} answered {function} with the error \"{Shorten(error)}\"") { CjdnsError = error };
    }

    private static string Shorten(object value)
    {
        var text = value.ToString() ?? "";
        text = new string([.. text.Select(c => char.IsControl(c) ? '?' : c)]);
        return text.Length <= 200 ? text : text[..200] + "...";
    }
}

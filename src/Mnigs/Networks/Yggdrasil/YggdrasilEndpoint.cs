using System.Net;
using System.Net.Sockets;

namespace Mnigs.Networks.Yggdrasil;

/// <summary>
/// An admin socket address as yggdrasil writes it in <c>AdminListen</c>: <c>unix:///var/run/yggdrasil.sock</c>
/// (or <c>unix://@name</c> in the abstract namespace) or <c>tcp://127.0.0.1:9001</c>. A bare absolute path is
/// taken as a unix socket.
/// </summary>
public sealed record YggdrasilEndpoint
{
    private YggdrasilEndpoint(string text, string? unixPath, string? host, int port)
    {
        Text = text;
        UnixPath = unixPath;
        Host = host;
        Port = port;
    }

    /// <summary>The endpoint as configured.</summary>
    public string Text { get; }

    /// <summary>The socket's path, for a unix socket; null for TCP.</summary>
    public string? UnixPath { get; }

    public string? Host { get; }

    public int Port { get; }

    /// <summary>How messages name it: the socket's path, or the tcp:// address.</summary>
    public string Where => UnixPath ?? Text;

    public static bool TryParse(string text, out YggdrasilEndpoint endpoint, out string error)
    {
        endpoint = null!;
        error = $"bad yggdrasil admin endpoint \"{text}\": use unix:///path/to/socket or tcp://host:port";
        if (text.StartsWith("unix://", StringComparison.OrdinalIgnoreCase) || text.StartsWith('/'))
        {
            // yggdrasil itself takes everything after "unix://" as the path.
            var path = text.StartsWith('/') ? text : text[7..];
            if (path.Length < 2 || path.Any(char.IsControl) || !(path.StartsWith('/') || path.StartsWith('@')))
                return false;
            endpoint = new YggdrasilEndpoint(text, path, null, 0);
            return true;
        }
        if (text.StartsWith("tcp://", StringComparison.OrdinalIgnoreCase)
            && Uri.TryCreate(text, UriKind.Absolute, out var uri)
            && uri.Host.Length > 0 && !uri.IsDefaultPort && uri.Port is > 0 and <= 65535
            && uri.AbsolutePath == "/" && uri.Query.Length == 0 && uri.UserInfo.Length == 0)
        {
            endpoint = new YggdrasilEndpoint(text, null, uri.IdnHost, uri.Port);
            return true;
        }
        return false;
    }

    internal EndPoint ToEndPoint() => UnixPath switch
    {
        // The abstract namespace: @name in yggdrasil's syntax, a leading NUL for the kernel.
        ['@', .. var name] => new UnixDomainSocketEndPoint("\0" + name),
        { } path => new UnixDomainSocketEndPoint(path),
        null => IPAddress.TryParse(Host, out var address) ? new IPEndPoint(address, Port) : new DnsEndPoint(Host!, Port),
    };

    public override string ToString() => Text;
}

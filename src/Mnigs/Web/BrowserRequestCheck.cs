using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Mnigs.Web;

/// <summary>
/// Keeps web pages from driving the admin API through the operator's browser. An authorized address
/// is not enough when the caller is a browser: a page on evil.example may make the browser post to
/// 127.0.0.1 (a cross-site request), or point evil.example at 127.0.0.1 after the page loaded (DNS
/// rebinding). So admin methods and UI pages also need a Host header that is an IP literal or
/// <c>localhost</c> (with an optional port), and an Origin header, when there is one, for that same
/// host and port. mnigs-cli and mesh peers call by IP address and send no Origin, so they pass.
/// </summary>
public static class BrowserRequestCheck
{
    /// <summary>Why the request must not reach admin methods or UI pages, or null when it may.</summary>
    public static string? Refusal(HttpRequest request)
    {
        var host = request.Headers.Host;
        var origin = request.Headers.Origin;
        if (origin.Count > 1)
            return "more than one Origin header";
        return Refusal(host.Count == 1 ? host[0] : null, origin.Count == 1 ? origin[0] : null, request.Scheme);
    }

    /// <summary>
    /// Why a request with these Host and Origin headers is refused, or null. <paramref name="scheme"/> is
    /// the request's (http), which gives the Host header's port when it names none.
    /// </summary>
    public static string? Refusal(string? host, string? origin, string scheme = "http")
    {
        if (string.IsNullOrEmpty(host) || !TrySplit(host, DefaultPort(scheme), out var hostName, out var hostPort))
            return $"the Host header \"{Shorten(host)}\" is not an IP address or localhost (open the page by the node's address)";
        if (origin is null)
            return null;
        if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")
            || !TrySplit(uri.Authority, DefaultPort(uri.Scheme), out var originName, out var originPort))
            return $"the request comes from another site (Origin \"{Shorten(origin)}\")";
        if (!string.Equals(originName, hostName, StringComparison.OrdinalIgnoreCase) || originPort != hostPort)
            return $"the request comes from another site (Origin \"{Shorten(origin)}\", Host \"{Shorten(host)}\")";
        return null;
    }

    /// <summary>Splits <c>a.b.c.d[:port]</c>, <c>[v6][:port]</c> or <c>localhost[:port]</c>; false for anything else (a DNS name).</summary>
    private static bool TrySplit(string authority, int defaultPort, out string name, out int port)
    {
        name = "";
        port = defaultPort;
        string portText;
        if (authority.StartsWith('['))
        {
            var close = authority.IndexOf(']');
            if (close < 0)
                return false;
            name = authority[..(close + 1)];
            if (!IPAddress.TryParse(authority[1..close], out var v6) || v6.AddressFamily != AddressFamily.InterNetworkV6)
                return false;
            portText = authority[(close + 1)..];
        }
        else
        {
            var colon = authority.IndexOf(':');
            name = colon < 0 ? authority : authority[..colon];
            portText = colon < 0 ? "" : authority[colon..];
            if (!string.Equals(name, "localhost", StringComparison.OrdinalIgnoreCase) && !IsDottedQuad(name))
                return false;
        }
        if (portText.Length == 0)
            return true;
        return portText[0] == ':' && portText.Length is > 1 and <= 6 && portText[1..].All(char.IsAsciiDigit)
            && int.TryParse(portText[1..], NumberStyles.None, CultureInfo.InvariantCulture, out port) && port is > 0 and <= 65535;
    }

    /// <summary>Four decimal numbers 0-255: IPAddress.TryParse also takes "127.1" or "2130706433", which no URL the UI gives out uses.</summary>
    private static bool IsDottedQuad(string text)
    {
        var parts = text.Split('.');
        return parts.Length == 4 && parts.All(p => p.Length is > 0 and <= 3 && p.All(char.IsAsciiDigit) && int.Parse(p, CultureInfo.InvariantCulture) <= 255);
    }

    private static int DefaultPort(string scheme) => scheme == "https" ? 443 : 80;

    private static string Shorten(string? text)
    {
        if (text is null)
            return "";
        var shown = text.Length > 80 ? text[..80] + "…" : text;
        return new string([.. shown.Select(c => char.IsControl(c) ? '?' : c)]);
    }
}

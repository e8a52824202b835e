using System.Net;

namespace Mnigs.Rpc;

public static class CallerAddress
{
    /// <summary>
    /// The address a request came from, as the authorization lists and the session book write it: a
    /// dual-stack listener sees IPv4 callers as ::ffff:a.b.c.d, which becomes a.b.c.d here.
    /// </summary>
    public static IPAddress Of(HttpContext http)
    {
        var caller = http.Connection.RemoteIpAddress ?? IPAddress.None;
        return caller.IsIPv4MappedToIPv6 ? caller.MapToIPv4() : caller;
    }
}

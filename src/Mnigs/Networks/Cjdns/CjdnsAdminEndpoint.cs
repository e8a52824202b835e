using System.Net;

namespace Mnigs.Networks.Cjdns;

/// <summary>
/// Where cjdroute's admin interface listens and its password, with where both came from (a cjdroute.conf
/// or mnigs.conf), so that messages can say which file to fix. The password never appears in <see cref="ToString"/>.
/// </summary>
public sealed record CjdnsAdminEndpoint(IPAddress Address, int Port, string Password, string Source)
{
    /// <summary>cjdroute's genconf default, and what cjdnstool uses when given none.</summary>
    public const string DefaultPassword = "NONE";

    public const int DefaultPort = 11234;

    /// <summary>How messages name the endpoint: <c>127.0.0.1 port 11234</c>.</summary>
    public string Where => $"{Address} port {Port}";

    public IPEndPoint ToEndPoint() => new(Address, Port);

    public override string ToString() => $"{Where} (from {Source})";
}

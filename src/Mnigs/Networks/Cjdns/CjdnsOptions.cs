using System.Net;

namespace Mnigs.Networks.Cjdns;

/// <summary>
/// How to reach cjdroute's admin interface: from its cjdroute.conf (<see cref="ConfigFile"/>, read again at
/// every check, so a changed password is picked up), or, without one, from the address, port and password
/// given here. An empty password means cjdroute's own default, <c>NONE</c>.
/// </summary>
public sealed record CjdnsOptions(
    string ConfigFile = "",
    IPAddress? AdminAddress = null,
    int AdminPort = CjdnsAdminEndpoint.DefaultPort,
    string AdminPassword = "",
    TimeSpan? Timeout = null)
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(2);

    /// <summary>Limit for one admin call: cookie, request and answer.</summary>
    public TimeSpan EffectiveTimeout => Timeout ?? DefaultTimeout;

    /// <summary>The endpoint to use now; throws <see cref="CjdnsAdminException"/> when the cjdroute.conf cannot be read.</summary>
    public CjdnsAdminEndpoint ResolveEndpoint() => ConfigFile.Length > 0
        ? CjdrouteConf.Read(ConfigFile)
        : new CjdnsAdminEndpoint(AdminAddress ?? IPAddress.Loopback, AdminPort,
            AdminPassword.Length > 0 ? AdminPassword : CjdnsAdminEndpoint.DefaultPassword, "mnigs.conf [cjdns]");
}

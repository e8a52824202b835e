using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Mnigs.Tunnels.SoftEther;

/// <summary>
/// The <c>tunnel</c> object of a gateway's requestConnection reply for <c>softether</c>: {type, port, hub, user,
/// password, certificate (PEM), mtu}. Everything in it ends up in vpncmd commands, so each part must have the shape
/// Mnigs gives it; a reply that does not is refused. The gateway's address is never taken from it.
/// </summary>
public sealed partial record SoftEtherReply(int Port, string Hub, SoftEtherAccount Account, string Certificate)
{
    public JsonObject ToJson(string type, int mtu) => new()
    {
        ["type"] = type,
        ["port"] = Port,
        ["hub"] = Hub,
        ["user"] = Account.User,
        ["password"] = Account.Password,
        ["certificate"] = Certificate,
        ["mtu"] = mtu,
    };

    /// <summary>The reply, or why it cannot be used.</summary>
    public static (SoftEtherReply? Reply, string? Error) Parse(JsonObject tunnel)
    {
        if (tunnel["port"] is not JsonValue p || !p.TryGetValue<int>(out var port) || port is < 1 or > 65535)
            return (null, "The gateway's reply has no valid SoftEther port");
        if (tunnel["hub"] is not JsonValue h || !h.TryGetValue<string>(out var hub) || !HubShape().IsMatch(hub))
            return (null, "The gateway's reply has no valid SoftEther hub name");
        if (SoftEtherAccount.From(tunnel) is not { } account)
            return (null, "The gateway's reply has no valid SoftEther user and password");
        if (tunnel["certificate"] is not JsonValue c || !c.TryGetValue<string>(out var certificate) || !SoftEtherCertificate.IsCertificatePem(certificate))
            return (null, "The gateway's reply has no valid SoftEther server certificate");
        return (new SoftEtherReply(port, hub, account, certificate), null);
    }

    [GeneratedRegex("^[A-Za-z0-9_-]{1,32}$")]
    private static partial Regex HubShape();
}

using System.Globalization;
using System.Text;

namespace Mnigs.Tunnels.SoftEther;

/// <summary>
/// The configuration files Mnigs starts SoftEther with (SoftEther's own format, as vpnserver writes
/// vpn_server.config; keys left out take SoftEther's defaults and the program completes the file). Written
/// before every start, so the administrator password and Mnigs' settings are in place before anything listens:
/// <list type="bullet">
/// <item>Server: one listener on Mnigs' port (instead of 443, 992, 1194 and 5555); no dynamic DNS, NAT traversal,
/// VPN Azure or keep-alive to softether.org (a mesh gateway must not call out on its own); no OpenVPN, SSTP, L2TP or
/// EtherIP; no JSON-RPC or web UI on the listener; Mnigs' certificate and key; no virtual hub yet.</item>
/// <item>Client: remote administration off, no keep-alive, the administrator password.</item>
/// </list>
/// </summary>
public static class SoftEtherConfigFiles
{
    /// <param name="certificate">The server certificate, DER.</param>
    /// <param name="privateKey">Its RSA key, PKCS#1 DER (what SoftEther keeps as ServerKey). A secret.</param>
    public static string Server(int port, string adminPassword, byte[] certificate, byte[] privateKey)
    {
        var text = new StringBuilder();
        text.Append("declare root\n{\n");
        text.Append("\tdeclare DDnsClient\n\t{\n\t\tbool Disabled true\n\t}\n");
        text.Append("\tdeclare IPsec\n\t{\n\t\tbool EtherIP_IPsec false\n\t\tbool L2TP_IPsec false\n\t\tbool L2TP_Raw false\n\t}\n");
        text.Append("\tdeclare ListenerList\n\t{\n\t\tdeclare Listener0\n\t\t{\n\t\t\tbool DisableDos false\n\t\t\tbool Enabled true\n\t\t\tuint Port ")
            .Append(port.ToString(CultureInfo.InvariantCulture)).Append("\n\t\t}\n\t}\n");
        text.Append("\tdeclare ServerConfiguration\n\t{\n");
        text.Append("\t\tbool DisableJsonRpcWebApi true\n");
        text.Append("\t\tbool DisableNatTraversal true\n");
        text.Append("\t\tbool EnableVpnAzure false\n");
        text.Append("\t\tbyte HashedPassword ").Append(SoftEtherPasswordHash.Of(adminPassword)).Append('\n');
        text.Append("\t\tstring PortsUDP $\n");
        text.Append("\t\tbyte ServerCert ").Append(Convert.ToBase64String(certificate)).Append('\n');
        text.Append("\t\tbyte ServerKey ").Append(Convert.ToBase64String(privateKey)).Append('\n');
        text.Append("\t\tbool UseKeepConnect false\n");
        text.Append("\t\tbool UseWebUI false\n");
        text.Append("\n\t\tdeclare Proto\n\t\t{\n");
        text.Append("\t\t\tdeclare OpenVPN\n\t\t\t{\n\t\t\t\tbool Enabled false\n\t\t\t}\n");
        text.Append("\t\t\tdeclare SSTP\n\t\t\t{\n\t\t\t\tbool Enabled false\n\t\t\t}\n");
        text.Append("\t\t}\n\t}\n}\n");
        return text.ToString();
    }

    /// <summary>vpnclient ignores the whole file (and so the password) unless the AccountDatabase, Config, RootCA and UnixVLan folders are all there.</summary>
    public static string Client(string adminPassword) =>
        "declare root\n{\n"
        + "\tbyte EncryptedPassword " + SoftEtherPasswordHash.Of(adminPassword) + "\n"
        + "\tbool PasswordRemoteOnly false\n"
        + "\n\tdeclare AccountDatabase\n\t{\n\t}\n"
        + "\tdeclare Config\n\t{\n\t\tbool AllowRemoteConfig false\n\t\tbool UseKeepConnect false\n\t}\n"
        + "\tdeclare RootCA\n\t{\n\t}\n"
        + "\tdeclare UnixVLan\n\t{\n\t}\n"
        + "}\n";
}

namespace Mnigs.Tunnels.OpenVpn;

/// <summary>
/// The client list of openvpn's <c>status 3</c> (tab-separated; openvpn 2.6's columns after CLIENT_LIST: Common Name,
/// Real Address, Virtual Address, Virtual IPv6 Address, Bytes Received, Bytes Sent, Connected Since, Connected Since
/// (time_t), Username, Client ID, Peer ID, Data Channel Cipher). The HEADER line names the columns, so their order is
/// read from it rather than assumed.
/// </summary>
public static class OpenVpnStatus
{
    public static IReadOnlyList<ConnectedClient> Clients(IEnumerable<string> lines)
    {
        int commonName = 1, clientId = 10;
        var clients = new List<ConnectedClient>();
        foreach (var line in lines)
        {
            var fields = line.Split('\t');
            if (fields is ["HEADER", "CLIENT_LIST", ..])
            {
                var columns = fields[1..];
                commonName = Array.IndexOf(columns, "Common Name");
                clientId = Array.IndexOf(columns, "Client ID");
            }
            else if (fields is ["CLIENT_LIST", ..] && commonName > 0 && clientId > 0 && fields.Length > Math.Max(commonName, clientId)
                && uint.TryParse(fields[clientId], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id))
            {
                clients.Add(new ConnectedClient(id, fields[commonName]));
            }
        }
        return clients;
    }
}


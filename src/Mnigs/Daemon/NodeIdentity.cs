namespace Mnigs.Daemon;

/// <summary>Who this node is: its name, its Ed25519 node id, and a short tag for host-unique interface names.</summary>
public sealed record NodeIdentity(string Name, string NodeId, string Version)
{
    /// <summary>Four hex characters from the node id: interface names must be unique on the whole host
    /// (wireguard-go's sockets share /var/run/wireguard across namespaces).</summary>
    public string Tag
    {
        get
        {
            var hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(NodeId));
            return Convert.ToHexStringLower(hash.AsSpan(0, 2));
        }
    }
}

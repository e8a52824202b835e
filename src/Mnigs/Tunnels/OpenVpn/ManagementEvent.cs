namespace Mnigs.Tunnels.OpenVpn;

/// <summary>
/// One real-time message of openvpn's management interface: a line starting with <c>&gt;</c>, split into its kind
/// (<c>CLIENT:CONNECT</c>, <c>STATE</c>, <c>HOLD</c>, …) and the rest, with the <c>&gt;CLIENT:ENV</c> block a
/// CONNECT, REAUTH, ESTABLISHED or DISCONNECT message carries.
/// </summary>
public sealed record ManagementEvent(string Kind, string Text, IReadOnlyDictionary<string, string> Env)
{
    /// <summary>The comma-separated fields of <see cref="Text"/> (CID and KID of a CLIENT message, a STATE's fields).</summary>
    public string[] Fields => Text.Split(',');

    public string? this[string name] => Env.GetValueOrDefault(name);

    /// <summary>Parses a real-time line without its ENV block; null when the line is not one.</summary>
    public static ManagementEvent? Parse(string line)
    {
        if (line.Length < 2 || line[0] != '>')
            return null;
        var body = line[1..];
        if (body.StartsWith("CLIENT:", StringComparison.Ordinal))
        {
            // >CLIENT:CONNECT,0,1 — the kind runs to the first comma.
            var comma = body.IndexOf(',');
            return comma < 0 ? new(body, "", Empty) : new(body[..comma], body[(comma + 1)..], Empty);
        }
        var colon = body.IndexOf(':');
        return colon < 0 ? new(body, "", Empty) : new(body[..colon], body[(colon + 1)..], Empty);
    }

    private static readonly IReadOnlyDictionary<string, string> Empty = new Dictionary<string, string>();
}

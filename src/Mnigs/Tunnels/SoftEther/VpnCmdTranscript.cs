using System.Text.RegularExpressions;

namespace Mnigs.Tunnels.SoftEther;

/// <summary>
/// What vpncmd (SoftEther VPN 5.01) printed for a batch run with <c>/IN:FILE /CSV</c>: each command is echoed after
/// its prompt (<c>VPN Server/HUB&gt;</c> or <c>VPN Client&gt;</c>), then comes its output, CSV for tables, or
/// <c>Error occurred. (Error code: N)</c> and a sentence. Lines before the first prompt hold the connection's own
/// failure, if any. Recorded transcripts are in the unit tests' fixtures.
/// </summary>
public sealed partial class VpnCmdTranscript
{
    private VpnCmdTranscript(VpnCmdError? connectionError, IReadOnlyList<VpnCmdReply> replies)
    {
        ConnectionError = connectionError;
        Replies = replies;
    }

    /// <summary>Why vpncmd could not connect or log in, before any command ran.</summary>
    public VpnCmdError? ConnectionError { get; }

    /// <summary>One reply per command that ran, in order.</summary>
    public IReadOnlyList<VpnCmdReply> Replies { get; }

    public static VpnCmdTranscript Parse(string stdout)
    {
        var replies = new List<VpnCmdReply>();
        var preamble = new List<string>();
        string? command = null;
        var lines = new List<string>();
        foreach (var raw in stdout.ReplaceLineEndings("\n").Split('\n'))
        {
            var line = raw.TrimStart('\uFEFF');
            if (Prompt().Match(line) is { Success: true } prompt)
            {
                if (command is not null)
                    replies.Add(VpnCmdReply.Of(command, lines));
                command = prompt.Groups["command"].Value;
                lines = [];
            }
            else if (command is null)
            {
                preamble.Add(line);
            }
            else
            {
                lines.Add(line);
            }
        }
        if (command is not null)
            replies.Add(VpnCmdReply.Of(command, lines));
        return new VpnCmdTranscript(VpnCmdError.Find(preamble), replies);
    }

    /// <summary>The reply to the first command starting with <paramref name="name"/> (its name, e.g. <c>UserList</c>), or null.</summary>
    public VpnCmdReply? Reply(string name) =>
        Replies.FirstOrDefault(r => r.Name.Equals(name, StringComparison.OrdinalIgnoreCase));

    [GeneratedRegex(@"^VPN (Server|Client|Bridge)(/[^>]*)?>(?<command>.*)$")]
    private static partial Regex Prompt();
}

using System.Globalization;
using System.Text.RegularExpressions;

namespace Mnigs.Tunnels.SoftEther;

/// <summary>SoftEther's error code (Cedar's ERR_*) and the sentence vpncmd printed with it.</summary>
public sealed partial record VpnCmdError(int Code, string Message)
{
    /// <summary>ERR_OBJECT_EXISTS, e.g. a user or hub that is there already.</summary>
    public const int ObjectExists = 66;

    /// <summary>ERR_OBJECT_NOT_FOUND, e.g. a user or session that is gone already.</summary>
    public const int ObjectNotFound = 29;

    /// <summary>ERR_HUB_NOT_FOUND.</summary>
    public const int HubNotFound = 8;

    /// <summary>ERR_CONNECT_FAILED: nothing answers on the port.</summary>
    public const int ConnectFailed = 1;

    public override string ToString() => $"{Message} (SoftEther error {Code.ToString(CultureInfo.InvariantCulture)})";

    internal static VpnCmdError? Find(IReadOnlyList<string> lines)
    {
        for (var i = 0; i < lines.Count; i++)
        {
            if (ErrorLine().Match(lines[i]) is { Success: true } m)
            {
                var message = string.Join(' ', lines.Skip(i + 1).TakeWhile(l => l.Length > 0 && !ErrorLine().IsMatch(l)).Select(l => l.Trim()));
                return new VpnCmdError(int.Parse(m.Groups["code"].Value, CultureInfo.InvariantCulture), message);
            }
        }
        return null;
    }

    [GeneratedRegex(@"^Error occurred\. \(Error code: (?<code>\d+)\)$")]
    private static partial Regex ErrorLine();
}

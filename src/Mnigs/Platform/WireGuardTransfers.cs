using System.Globalization;

namespace Mnigs.Platform;

/// <summary>
/// Reads the output of <c>wg show IFACE transfer</c> (wireguard-tools 1.0, see wg(8)): one line per
/// peer, <c>public-key TAB received-bytes TAB sent-bytes</c>, counted since the peer was added.
/// </summary>
internal static class WireGuardTransfers
{
    /// <summary>Bytes received from and sent to each peer, by public key; lines that do not parse are skipped.</summary>
    public static IReadOnlyDictionary<string, (long Rx, long Tx)> Parse(string output)
    {
        var transfers = new Dictionary<string, (long Rx, long Tx)>(StringComparer.Ordinal);
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var fields = line.Split('\t');
            if (fields.Length == 3
                && long.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var rx)
                && long.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out var tx))
                transfers[fields[0]] = (rx, tx);
        }
        return transfers;
    }
}

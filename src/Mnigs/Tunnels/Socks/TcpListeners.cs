using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Mnigs.Tunnels.Socks;

/// <summary>
/// The listening IPv4 TCP sockets of this network namespace, from <c>/proc/net/tcp</c> (proc(5): local address and
/// port in hex, state 0A for LISTEN). Read-only: it tells when danted or redsocks is ready for connections without
/// connecting to them (a probe would show up in their logs as a refused client).
/// </summary>
public static class TcpListeners
{
    private const string Listen = "0A";

    public static bool IsListening(IPEndPoint endpoint) => IsListening(endpoint, ReadProcNetTcp());

    /// <summary>Whether <paramref name="table"/> (the text of /proc/net/tcp) has a listener on <paramref name="endpoint"/> or on 0.0.0.0 at its port.</summary>
    public static bool IsListening(IPEndPoint endpoint, string table)
    {
        if (endpoint.AddressFamily != AddressFamily.InterNetwork)
            return false;
        foreach (var line in table.Split('\n').Skip(1))
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 4 || fields[3] != Listen)
                continue;
            var local = fields[1].Split(':');
            if (local.Length != 2
                || !uint.TryParse(local[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var address)
                || !int.TryParse(local[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var port))
                continue;
            // The kernel prints the address as the number its four bytes make in host order: those bytes are the address.
            var ip = new IPAddress(BitConverter.GetBytes(address));
            if (port == endpoint.Port && (ip.Equals(endpoint.Address) || ip.Equals(IPAddress.Any)))
                return true;
        }
        return false;
    }

    private static string ReadProcNetTcp()
    {
        try
        {
            return File.ReadAllText("/proc/net/tcp");
        }
        catch (IOException)
        {
            return "";
        }
    }
}

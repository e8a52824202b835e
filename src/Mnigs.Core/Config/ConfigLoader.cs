using System.Net;
using System.Net.Sockets;

namespace Mnigs.Core.Config;

/// <summary>
/// Turns the text of mnigs.conf into a <see cref="MnigsConfig"/>: defaults, overridden by the file,
/// every key checked against <see cref="ConfigSchema"/>. Reports all problems at once, so an
/// operator fixes the file in one go.
/// </summary>
public static class ConfigLoader
{
    public static ConfigLoadResult Load(string text) => Load(IniDocument.Parse(text));

    public static ConfigLoadResult Load(IniDocument document)
    {
        var (config, errors) = Check(document);
        return new ConfigLoadResult(errors.Count == 0 ? config : null, [.. errors.Select(e => e.ToString())]);
    }

    /// <summary>The config as far as it could be read, and every problem, in line order.</summary>
    internal static (MnigsConfig Config, IReadOnlyList<ConfigError> Errors) Check(IniDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        var errors = new List<ConfigError>(document.Errors);
        foreach (var section in document.Sections.Where(s => !ConfigSchema.HasSection(s)))
            errors.Add(new ConfigError(document.HeaderLine(section), ConfigSchema.UnknownSection(section)));

        var config = new MnigsConfig();
        var lineOf = new Dictionary<ConfigKey, int>();
        var failed = new HashSet<ConfigKey>();
        foreach (var entry in document.Entries.Where(e => ConfigSchema.HasSection(e.Section)))
        {
            if (ConfigSchema.Find(entry.Section, entry.Key) is not { } key)
            {
                errors.Add(new ConfigError(entry.Line, ConfigSchema.UnknownKey(entry.Section, entry.Key)));
                continue;
            }
            if (lineOf.ContainsKey(key))
            {
                errors.Add(new ConfigError(entry.Line, $"{key.Name} is set more than once; keep one of its lines"));
                failed.Add(key);
                continue;
            }
            lineOf[key] = entry.Line;
            if (key.Validate(entry.Value) is { } problem)
            {
                errors.Add(new ConfigError(entry.Line, problem));
                failed.Add(key);
                continue;
            }
            config = key.Apply(config, entry.Value);
        }

        CheckGateway("wireguard", config.WireGuardIpv4Gateway, config.WireGuardIpv4Subnet, "ipv4Gateway", "ipv4Subnet");
        CheckGateway("wireguard", config.WireGuardIpv6Gateway, config.WireGuardIpv6Subnet, "ipv6Gateway", "ipv6Subnet");
        CheckGateway("openvpn", config.OpenVpnIpv4Gateway, config.OpenVpnIpv4Subnet, "ipv4Gateway", "ipv4Subnet");
        CheckGateway("openvpn", config.OpenVpnIpv6Gateway, config.OpenVpnIpv6Subnet, "ipv6Gateway", "ipv6Subnet");
        CheckGateway("cjdns", config.CjdnsTunnelIpv4Gateway, config.CjdnsTunnelIpv4Subnet, "tunnelIpv4Gateway", "tunnelIpv4Subnet");
        CheckGateway("cjdns", config.CjdnsTunnelIpv6Gateway, config.CjdnsTunnelIpv6Subnet, "tunnelIpv6Gateway", "tunnelIpv6Subnet");
        CheckGateway("ipip", config.IpipIpv4Gateway, config.IpipIpv4Subnet, "ipv4Gateway", "ipv4Subnet");
        CheckGateway("gre", config.GreIpv4Gateway, config.GreIpv4Subnet, "ipv4Gateway", "ipv4Subnet");
        CheckGateway("gre", config.GreIpv6Gateway, config.GreIpv6Subnet, "ipv6Gateway", "ipv6Subnet");
        CheckGateway("softether", config.SoftEtherIpv4Gateway, config.SoftEtherIpv4Subnet, "ipv4Gateway", "ipv4Subnet");
        CheckGateway("softether", config.SoftEtherIpv6Gateway, config.SoftEtherIpv6Subnet, "ipv6Gateway", "ipv6Subnet");
        return (config, [.. errors.OrderBy(e => e.Line)]);

        // Checked only when both keys were read, so one typo does not also report a confusing mismatch.
        void CheckGateway(string section, IPAddress? gateway, IPNetwork? subnet, string gatewayKey, string subnetKey)
        {
            var gatewayEntry = ConfigSchema.Find(section, gatewayKey)!;
            var subnetEntry = ConfigSchema.Find(section, subnetKey)!;
            if (gateway is null || failed.Contains(gatewayEntry) || failed.Contains(subnetEntry))
                return;
            if (GatewayProblem(gateway, subnet, subnetEntry.Name) is { } problem)
                errors.Add(new ConfigError(lineOf.GetValueOrDefault(gatewayEntry), $"{gatewayEntry.Name} {gateway} {problem}"));
        }
    }

    private static string? GatewayProblem(IPAddress gateway, IPNetwork? subnet, string subnetName)
    {
        if (subnet is not { } network)
            return $"needs {subnetName}, which is empty";
        if (!network.Contains(gateway))
            return $"is outside {subnetName} {network}";
        if (gateway.Equals(network.BaseAddress))
            return $"is the network address of {subnetName} {network}, not a host address";
        if (gateway.AddressFamily == AddressFamily.InterNetwork && gateway.Equals(Broadcast(network)))
            return $"is the broadcast address of {subnetName} {network}, not a host address";
        return null;
    }

    private static IPAddress Broadcast(IPNetwork network)
    {
        var bytes = network.BaseAddress.GetAddressBytes();
        for (var i = 0; i < bytes.Length; i++)
        {
            var keep = Math.Clamp(network.PrefixLength - (i * 8), 0, 8);
            bytes[i] |= (byte)~(0xFF << (8 - keep));
        }
        return new IPAddress(bytes);
    }
}

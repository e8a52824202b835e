using System.Collections.Immutable;
using System.Globalization;
using System.Net.Sockets;
using Mnigs.Core.Host;

namespace Mnigs.Platform;

/// <summary>
/// Mnigs' routing table and the two policy rules that lead to it (the wg-quick pattern, see
/// ip-rule(8) <c>suppress_prefixlength</c>): at P look up main without its default route, at P+1
/// look up Mnigs' table. Rules are recognised by their priorities alone, so cleanup needs no state.
/// </summary>
internal sealed class PolicyRouting(HostCommands commands, PlatformOptions options)
{
    private static readonly string[] Families = ["-4", "-6"];

    private string Table => options.RoutingTable.ToString(CultureInfo.InvariantCulture);

    public async Task ApplyRoutesAsync(ImmutableArray<RouteSpec> wanted, CancellationToken ct)
    {
        foreach (var family in Families)
        {
            var current = await ReadRoutesAsync(family, ct);
            var mine = wanted.Distinct().Where(r => FamilyOf(r.Destination.BaseAddress.AddressFamily) == family).ToList();
            // Delete first: a replace would otherwise turn an unwanted route into a wanted one and
            // the delete after it would miss.
            foreach (var route in current.Where(c => !mine.Any(c.Is)))
                await commands.ChangeAsync(Delete(family, route), ct);
            foreach (var route in mine.Where(w => !current.Any(c => c.Is(w))))
                await commands.ChangeAsync(Replace(family, route), ct);
        }
    }

    public async Task ApplyRulesAsync(RoutingPolicy? policy, CancellationToken ct)
    {
        var priority = options.RulePriority;
        foreach (var family in Families)
        {
            var wanted = policy is not null && (family == "-4" ? policy.Ipv4 : policy.Ipv6);
            var ours = (await ReadRulesAsync(family, ct)).Where(r => r.Priority == priority || r.Priority == priority + 1).ToList();
            var matches = ours.Count == 2
                && ours.Any(r => r.Priority == priority && r.Table == "254" && r.SuppressPrefixLength == 0 && !r.HasSelectors)
                && ours.Any(r => r.Priority == priority + 1 && r.Table == Table && r.SuppressPrefixLength is null && !r.HasSelectors);
            if (wanted ? matches : ours.Count == 0)
                continue;
            foreach (var rule in ours)
                await commands.ChangeAsync(DeleteRule(family, rule.Priority), ct);
            if (!wanted)
                continue;
            await commands.ChangeAsync(CommandRequest.Of("ip", family, "rule", "add", "priority", Priority(priority), "lookup", "main", "suppress_prefixlength", "0"), ct);
            await commands.ChangeAsync(CommandRequest.Of("ip", family, "rule", "add", "priority", Priority(priority + 1), "lookup", Table), ct);
        }
    }

    /// <summary>Removes the rules at P and P+1 (however many there are) and empties the table.</summary>
    public async Task CleanupAsync(CancellationToken ct)
    {
        foreach (var family in Families)
        {
            for (var round = 0; round < 10; round++)
            {
                var ours = (await ReadRulesAsync(family, ct))
                    .Where(r => r.Priority == options.RulePriority || r.Priority == options.RulePriority + 1).ToList();
                if (ours.Count == 0)
                    break;
                foreach (var rule in ours)
                    await commands.ChangeAsync(DeleteRule(family, rule.Priority), ct);
            }
            if (!(await ReadRoutesAsync(family, ct)).IsEmpty)
                await commands.ChangeAsync(CommandRequest.Of("ip", family, "route", "flush", "table", Table), ct);
        }
    }

    private async Task<ImmutableArray<TableRoute>> ReadRoutesAsync(string family, CancellationToken ct)
    {
        var command = CommandRequest.Of("ip", "-j", family, "route", "show", "table", Table);
        var result = await commands.ReadAsync(command, ct);
        if (!result.Succeeded)
        {
            // The kernel creates a table with its first route and forgets it with its last.
            if (result.Stderr.Contains("table does not exist", StringComparison.OrdinalIgnoreCase) || NoSuchFamily(result))
                return [];
            throw new CommandFailedException(command, result);
        }
        return IpJson.Routes(result.Stdout, family == "-4" ? AddressFamily.InterNetwork : AddressFamily.InterNetworkV6);
    }

    private async Task<ImmutableArray<PolicyRule>> ReadRulesAsync(string family, CancellationToken ct)
    {
        var command = CommandRequest.Of("ip", "-j", "-N", family, "rule", "show");
        var result = await commands.ReadAsync(command, ct);
        if (result.Succeeded)
            return IpJson.Rules(result.Stdout);
        return NoSuchFamily(result) ? [] : throw new CommandFailedException(command, result);
    }

    // A host booted with ipv6.disable=1 has no IPv6 rules or routes to read (and none of ours to remove).
    private static bool NoSuchFamily(CommandResult result) =>
        result.Stderr.Contains("Address family not supported", StringComparison.OrdinalIgnoreCase);

    private CommandRequest Replace(string family, RouteSpec route)
    {
        List<string> args = [family, "route", "replace", route.Destination.ToString()];
        if (route.Via is { } via)
            args.AddRange(["via", via.ToString()]);
        args.AddRange(["dev", route.Device]);
        if (route.Source is { } source)
            args.AddRange(["src", source.ToString()]);
        args.AddRange(["table", Table]);
        return new CommandRequest("ip", args);
    }

    private CommandRequest Delete(string family, TableRoute route)
    {
        List<string> args = [family, "route", "del"];
        if (route.Type != "unicast")
            args.Add(route.Type);
        args.Add(route.Destination.ToString());
        if (route.Via is { } via)
            args.AddRange(["via", via.ToString()]);
        if (route.Device is { } device)
            args.AddRange(["dev", device]);
        if (route.Metric is { } metric)
            args.AddRange(["metric", metric.ToString(CultureInfo.InvariantCulture)]);
        args.AddRange(["table", Table]);
        return new CommandRequest("ip", args);
    }

    private static CommandRequest DeleteRule(string family, int priority) =>
        CommandRequest.Of("ip", family, "rule", "del", "priority", Priority(priority));

    private static string Priority(int priority) => priority.ToString(CultureInfo.InvariantCulture);

    private static string FamilyOf(AddressFamily family) => family == AddressFamily.InterNetwork ? "-4" : "-6";
}

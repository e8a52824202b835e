namespace Mnigs.Lab.Tests.Mesh;

/// <summary>Everything Mnigs could have left in a namespace: interfaces with its prefix, its policy rules,
/// routes in its table, its nftables table. Empty means the host is as Mnigs found it.</summary>
public static class HostTraces
{
    public static async Task<List<string>> OfAsync(string ns)
    {
        var traces = new List<string>();
        var links = await Shell.InNamespaceAsync(ns, "ip", "-o", "link", "show");
        traces.AddRange(links.Stdout.Split('\n')
            .Select(l => l.Split(':', 3))
            .Where(p => p.Length > 2 && p[1].Trim().StartsWith("mn", StringComparison.Ordinal))
            .Select(p => "interface " + p[1].Trim()));
        foreach (var family in new[] { "-4", "-6" })
        {
            var rules = await Shell.InNamespaceAsync(ns, "ip", family, "rule", "show");
            traces.AddRange(rules.Stdout.Split('\n').Where(l => l.StartsWith("5300:", StringComparison.Ordinal) || l.StartsWith("5301:", StringComparison.Ordinal))
                .Select(l => $"rule {family} {l.Trim()}"));
            var routes = await Shell.InNamespaceAsync(ns, "ip", family, "route", "show", "table", "65533");
            traces.AddRange(routes.Stdout.Split('\n').Where(l => l.Trim().Length > 0).Select(l => $"route {family} {l.Trim()}"));
        }
        var nft = await Shell.InNamespaceAsync(ns, "nft", "list", "table", "inet", "mnigs");
        if (nft.ExitCode == 0)
            traces.Add("nftables table inet mnigs");
        return traces;
    }
}

using Mnigs.Core.Host;

namespace Mnigs.Platform;

/// <summary>
/// The nftables table <c>inet mnigs</c> (nft 0.9.6+), replaced whole with one <c>nft -f -</c>
/// transaction. What was last loaded is remembered, so an unchanged spec costs only a listing.
/// </summary>
internal sealed class NftablesFirewall(HostCommands commands)
{
    private string? _loaded;

    public async Task ApplyAsync(FirewallSpec spec, CancellationToken ct)
    {
        var script = NftablesRuleset.ReplaceScript(spec);
        var tables = await commands.ReadAsync(CommandRequest.Of("nft", "list", "tables"), ct);
        if (tables.ExitCode == CommandResult.NotFound)
        {
            if (spec.IsEmpty)
                return;
            throw new InvalidOperationException("The gateway firewall needs nftables, but nft is not installed");
        }
        if (!tables.Succeeded)
            throw new CommandFailedException(CommandRequest.Of("nft", "list", "tables"), tables);
        var present = tables.Stdout.Split('\n').Any(l => l.Trim() == "table " + NftablesRuleset.Table);
        if (spec.IsEmpty ? !present : present && _loaded == script)
            return;
        // The payment gate's quotas start again from what the spec says when the table is replaced: start them from the kernel's count.
        var loading = present && !spec.Payment.Paid.IsEmpty
            ? NftablesRuleset.ReplaceScript(spec with { Payment = NftablesPaymentRules.CarryOver(spec.Payment, await ReadQuotasAsync(ct)) })
            : script;
        await commands.ChangeAsync(CommandRequest.Of("nft", "-f", "-") with { Stdin = loading }, ct);
        _loaded = script;
    }

    /// <summary>Bytes counted by each quota object of the table, by name (none when the table or nft is missing).</summary>
    public async Task<IReadOnlyDictionary<string, long>> ReadQuotasAsync(CancellationToken ct)
    {
        // Listing every table's quotas succeeds also while Mnigs' table does not exist; the parser keeps only ours.
        var listed = await commands.ReadAsync(CommandRequest.Of("nft", "-j", "list", "quotas"), ct);
        if (listed.ExitCode == CommandResult.NotFound)
            return new Dictionary<string, long>();
        if (!listed.Succeeded)
            throw new CommandFailedException(CommandRequest.Of("nft", "-j", "list", "quotas"), listed);
        return NftablesPaymentRules.ParseQuotas(listed.Stdout);
    }

    public async Task CleanupAsync(CancellationToken ct)
    {
        var tables = await commands.ReadAsync(CommandRequest.Of("nft", "list", "tables"), ct);
        _loaded = null;
        if (tables.ExitCode == CommandResult.NotFound)
            return;
        if (!tables.Succeeded)
            throw new CommandFailedException(CommandRequest.Of("nft", "list", "tables"), tables);
        if (tables.Stdout.Split('\n').Any(l => l.Trim() == "table " + NftablesRuleset.Table))
            await commands.ChangeAsync(CommandRequest.Of("nft", "-f", "-") with { Stdin = NftablesRuleset.ReplaceScript(FirewallSpec.None) }, ct);
    }
}

using System.Net;
using System.Text.RegularExpressions;
using Mnigs.Rpc;
using Mnigs.Tests.Cli;
using Mnigs.Tests.TestSupport;

namespace Mnigs.Tests.Payments;

/// <summary>`mnigs-cli voucher create|list|revoke|export` and `mnigs-cli pay`, run against a daemon's admin API on loopback.</summary>
[Collection("console")]
public sealed partial class VoucherCliTests : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mnigs-cli-").FullName;
    private DaemonRig _gw = null!;
    private KestrelServer _daemon = null!;

    private string Config => Path.Combine(_dir, "mnigs.conf");

    public async Task InitializeAsync()
    {
        _gw = await DaemonRig.StartAsync(c => c with { GatewayPayment = "voucher" });
        _daemon = await ServeAsync(_gw.Dispatcher);
        await File.WriteAllTextAsync(Config, $"[daemon]\nrpcPort = {_daemon.Port}\n");
    }

    public async Task DisposeAsync()
    {
        await _daemon.DisposeAsync();
        await _gw.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    [GeneratedRegex("^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$")]
    private static partial Regex CodeLine();

    [Fact]
    public async Task Create_prints_the_codes_and_list_shows_what_each_has_left()
    {
        var (code, output, error) = await CliRun.RunAsync("-f", Config, "voucher", "create", "--time", "1h", "--data", "1GB", "--count", "3");

        Assert.Equal(0, code);
        Assert.Equal("", error);
        var lines = output.TrimEnd().Split(Environment.NewLine);
        Assert.Equal("Created 3 voucher(s), each 1 h and 1 GB:", lines[0]);
        Assert.Equal(3, lines.Skip(1).Count(l => CodeLine().IsMatch(l)));

        var (_, listed, _) = await CliRun.RunAsync("-f", Config, "voucher", "list");
        var rows = listed.TrimEnd().Split(Environment.NewLine);
        Assert.Equal(["CODE", "STATUS", "ALLOWS", "TIME", "LEFT", "DATA", "LEFT", "SESSION"], rows[0].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(4, rows.Length);
        Assert.Equal([lines[1], "unused", "1", "h", "and", "1", "GB", "1", "h", "1", "GB", "-"], rows[1].Split(' ', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task Revoke_and_export_act_on_the_codes_and_bad_input_gets_a_plain_error()
    {
        var (_, created, _) = await CliRun.RunAsync("-f", Config, "voucher", "create", "--time", "30m", "--count", "2");
        var codes = created.TrimEnd().Split(Environment.NewLine).Skip(1).ToList();

        var (revoked, revokedOut, _) = await CliRun.RunAsync("-f", Config, "voucher", "revoke", codes[0]);
        var (_, csv, _) = await CliRun.RunAsync("-f", Config, "voucher", "export", "--format", "csv");
        var (_, html, _) = await CliRun.RunAsync("-f", Config, "voucher", "export");
        var (bad, _, badError) = await CliRun.RunAsync("-f", Config, "voucher", "create", "--time", "forever");

        Assert.Equal(0, revoked);
        Assert.Equal($"Revoked {codes[0]}", revokedOut.TrimEnd());
        Assert.DoesNotContain(codes[0], csv);
        Assert.Contains(codes[1] + ",1800,,unused,", csv);
        Assert.StartsWith("<!doctype html>", html);
        Assert.Contains(codes[1], html);
        Assert.Equal(1, bad);
        Assert.Equal("mnigs-cli: 'forever' is not a time such as 30m, 1h or 7d", badError.TrimEnd());
    }

    [Fact]
    public async Task Pay_redeems_at_the_gateway_the_node_is_connected_to()
    {
        await using var sub = await DaemonRig.StartAsync(c => c with { Name = "sub", GatewayEnabled = false },
            http: new DispatcherHandler(() => _gw.Dispatcher, IPAddress.Parse("fd00::5")));
        await using var subDaemon = await ServeAsync(sub.Dispatcher);
        var subConfig = Path.Combine(_dir, "sub.conf");
        await File.WriteAllTextAsync(subConfig, $"[daemon]\nrpcPort = {subDaemon.Port}\n");
        Assert.True(RpcWire.Success(await sub.Subscriber.ConnectAsync(DaemonRig.GatewayMesh, 65533, "babel-wireguard-voucher", CancellationToken.None)));
        var (_, created, _) = await CliRun.RunAsync("-f", Config, "voucher", "create", "--data", "500MB");
        var code = created.TrimEnd().Split(Environment.NewLine)[1];

        var (_, status, _) = await CliRun.RunAsync("-f", subConfig, "status");
        var (paid, output, error) = await CliRun.RunAsync("-f", subConfig, "pay", code);

        Assert.Contains("Payment   required: no voucher has been redeemed for this session yet; pay at http://[fd00::1]:65533/pay or run mnigs-cli pay CODE", status);
        Assert.Equal(0, paid);
        Assert.Equal("", error);
        Assert.Equal("Paid at gw (fd00::1): paid, 500 MB left", output.TrimEnd());
    }

    private static Task<KestrelServer> ServeAsync(RpcDispatcher dispatcher) =>
        KestrelServer.StartAsync(app => app.MapJsonRpc(dispatcher));
}

using System.Diagnostics;
using System.Text.Json.Nodes;
using Mnigs.Lab.Tests.Mesh;

namespace Mnigs.Lab.Tests;

/// <summary>
/// A gateway with <c>payment = voucher</c> on the real lab mesh: its kernel holds a pending subscriber to the
/// payment page, lets it out once it redeems, stops it when the data quota is used up, and keeps what is left
/// across a kill -9.
/// </summary>
[Collection("lab")]
public sealed class VoucherTests
{
    private const string Suite = "babel-wireguard-voucher";
    private const string VoucherGateway = "payment = voucher\nprice = 0.5\npriceUnit = EUR\n";

    private static async Task<string> CreateAsync(LabMesh mesh, params string[] allows)
    {
        var created = await mesh.Gw.CliJsonAsync(["voucher", "create", .. allows]);
        Assert.True(created["success"]!.GetValue<bool>(), created.ToJsonString() + mesh.Logs);
        return created["vouchers"]![0]!["code"]!.GetValue<string>();
    }

    private static async Task ConnectPendingAsync(LabMesh mesh)
    {
        var connect = await mesh.Sub.CliAsync("-c", LabMesh.GatewayMesh, "-m", Suite);
        Assert.True(connect.ExitCode == 0, connect.All + mesh.Logs);
    }

    private static async Task PayAsync(LabMesh mesh, string code)
    {
        var pay = await mesh.Sub.CliAsync("pay", code);
        Assert.True(pay.ExitCode == 0, pay.All + mesh.Logs);
        Assert.StartsWith("Paid at gw (10.77.0.3): paid", pay.Stdout);
    }

    private static Task<Shell.Result> PingAsync(LabMesh mesh) =>
        mesh.Sub.ExecAsync("ping", "-c", "2", "-i", "0.3", "-W", "1", LabMesh.InternetHost);

    private static async Task<JsonNode> VoucherAsync(LabMesh mesh) =>
        Assert.Single((await mesh.Gw.CliJsonAsync("voucher", "list"))["vouchers"]!.AsArray())!;

    [Fact]
    public async Task A_pending_session_reaches_only_the_page_and_redeeming_opens_the_internet()
    {
        await using var mesh = await LabMesh.StartAsync(gatewayExtra: VoucherGateway);
        await ConnectPendingAsync(mesh);

        // The tunnel is up (the gateway answers pings through it) but nothing is forwarded.
        var status = await mesh.Sub.CliAsync("status");
        Assert.Contains("Payment   required: no voucher has been redeemed for this session yet; pay at http://10.77.0.3:65533/pay", status.Stdout);
        Assert.NotEqual(0, (await PingAsync(mesh)).ExitCode);
        var tunnelGateway = (await mesh.Sub.CliJsonAsync("status"))["subscriber"]!["connection"]!["tunnelGateway4"]!.GetValue<string>();
        Assert.Equal(0, (await mesh.Sub.ExecAsync("ping", "-c", "1", "-W", "2", tunnelGateway)).ExitCode);

        // The page answers over the mesh and through the tunnel; no other port of the gateway does through the tunnel.
        var page = await mesh.Sub.ExecAsync("curl", "-sS", "--max-time", "5", $"http://{LabMesh.GatewayMesh}:65533/pay");
        Assert.Contains("<h1>Payment required</h1>", page.Stdout);
        var viaTunnel = await mesh.Sub.ExecAsync("curl", "-sS", "--max-time", "5", $"http://{tunnelGateway}:65533/pay");
        Assert.Contains("<h1>Payment required</h1>", viaTunnel.Stdout);
        var ssh = await mesh.Sub.ExecAsync("curl", "-sS", "--max-time", "2", $"http://{tunnelGateway}:22/");
        // Dropped, not refused: curl times out (28) instead of being reset (7).
        Assert.Equal(28, ssh.ExitCode);

        await PayAsync(mesh, await CreateAsync(mesh, "--time", "1h", "--data", "1GB"));

        var ping = await PingAsync(mesh);
        Assert.True(ping.ExitCode == 0, ping.All + mesh.Logs);
        var online = await mesh.Sub.ExecAsync("curl", "-sS", "--max-time", "5", $"http://{LabMesh.GatewayMesh}:65533/pay");
        Assert.Contains("<h1>You are online</h1>", online.Stdout);
        Assert.Equal("in use", (await VoucherAsync(mesh))["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_tiny_data_quota_runs_out_under_iperf3_and_the_kernel_stops_the_traffic()
    {
        Shell.RequireLab("iperf3", "timeout");
        await using var mesh = await LabMesh.StartAsync(gatewayExtra: VoucherGateway);
        await ConnectPendingAsync(mesh);
        await PayAsync(mesh, await CreateAsync(mesh, "--data", "2MB"));
        Assert.Equal(0, (await PingAsync(mesh)).ExitCode);

        using var server = await IperfServerAsync(mesh);
        try
        {
            // Downloads as fast as the tunnel goes; without the quota five seconds carry far more than 2 MB.
            var iperf = await Shell.RunAsync("ip", ["netns", "exec", mesh.Sub.Namespace, "timeout", "20", "iperf3", "-c", LabMesh.InternetHost,
                "-R", "-t", "5", "--connect-timeout", "3000", "--rcv-timeout", "3000"], TimeSpan.FromSeconds(30));
            Assert.NotEqual(0, iperf.ExitCode);
        }
        finally
        {
            server.Kill(entireProcessTree: true);
        }

        // Within two accounting rounds the daemon has the kernel's count and the session is pending again.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline && (await VoucherAsync(mesh))["status"]!.GetValue<string>() != "used up")
            await Task.Delay(500);
        var voucher = await VoucherAsync(mesh);
        Assert.True(voucher["status"]!.GetValue<string>() == "used up", voucher.ToJsonString() + mesh.Logs);
        // The kernel stopped it at the quota: what it counted past 2 MB is what was in flight then (dropped, but counted).
        Assert.InRange(voucher["usedBytes"]!.GetValue<long>(), 2_000_000, 6_000_000);
        Assert.NotEqual(0, (await PingAsync(mesh)).ExitCode);
        var page = await mesh.Sub.ExecAsync("curl", "-sS", "--max-time", "5", $"http://{LabMesh.GatewayMesh}:65533/pay");
        Assert.Contains("the voucher&#39;s data (2 MB) is used up", page.Stdout);
        var session = Assert.Single((await mesh.Gw.CliJsonAsync("sessions"))["sessions"]!.AsArray())!;
        Assert.Equal("pending", session["payment"]!.GetValue<string>());
    }

    [Fact]
    public async Task Kill9_and_restart_of_the_gateway_keeps_the_remaining_quota()
    {
        await using var mesh = await LabMesh.StartAsync(gatewayExtra: VoucherGateway);
        await ConnectPendingAsync(mesh);
        await PayAsync(mesh, await CreateAsync(mesh, "--data", "50MB"));

        // 8 MB down through the tunnel, then two accounting rounds for the daemon to keep the count.
        var download = await mesh.Sub.ExecAsync("curl", "-sS", "--max-time", "20", "-o", "/dev/null", "-w", "%{size_download}", $"http://{LabMesh.InternetHost}/big.bin");
        Assert.True(download.ExitCode == 0, download.All + mesh.Logs);
        // The daemon stores the kernel's count every 2 s: wait until the download is in the store.
        var stored = DateTime.UtcNow.AddSeconds(15);
        long before;
        while ((before = (await VoucherAsync(mesh))["usedBytes"]!.GetValue<long>()) < 8_000_000 && DateTime.UtcNow < stored)
            await Task.Delay(250);
        Assert.InRange(before, 8_000_000, 12_000_000);

        await mesh.Gw.KillAsync();
        await mesh.Gw.StartAsync();

        var after = await VoucherAsync(mesh);
        Assert.Equal("in use", after["status"]!.GetValue<string>());
        Assert.Equal(before, after["usedBytes"]!.GetValue<long>());
        // The new run's kernel quota starts from the stored count, and the session is let through at once.
        var quota = await mesh.Gw.ExecAsync("nft", "list", "quota", "inet", "mnigs", "pay_v1");
        Assert.Contains($"over 50000000 bytes used {before} bytes", quota.Stdout);
        var ping = await mesh.Sub.ExecAsync("ping", "-c", "1", "-w", "30", LabMesh.InternetHost);
        Assert.True(ping.ExitCode == 0, ping.All + mesh.Logs);
    }

    /// <summary>An iperf3 server for one test on the internet host, ended by the caller (or by itself after 40 s).</summary>
    private static async Task<Process> IperfServerAsync(LabMesh mesh)
    {
        var psi = new ProcessStartInfo("ip") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "netns", "exec", mesh.Prefix + "-inet", "timeout", "40", "iperf3", "-s", "-1", "-B", LabMesh.InternetHost })
            psi.ArgumentList.Add(a);
        var process = Process.Start(psi)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        // Returned once it listens on iperf3's port 5201.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline
            && !(await Shell.InNamespaceAsync(mesh.Prefix + "-inet", "ss", ["-Hltn", "sport = :5201"])).Stdout.Contains("5201"))
            await Task.Delay(50);
        return process;
    }
}

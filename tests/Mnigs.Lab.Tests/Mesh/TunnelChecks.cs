namespace Mnigs.Lab.Tests.Mesh;

/// <summary>What every lab path test checks of a connection: traffic really flows through the tunnel, and
/// disconnecting leaves both hosts as they were.</summary>
public static class TunnelChecks
{
    public const string InternetHost = "203.0.113.10";

    /// <summary>Ping and an 8 MiB HTTP download reach the internet host, more than 8 MB went through
    /// <paramref name="iface"/>, and the tunnel's endpoint is the gateway address that was asked for.</summary>
    public static async Task AssertTrafficThroughAsync(LabNode sub, string iface, string gatewayAddress, string context)
    {
        var ping = await sub.ExecAsync("ping", "-c", "3", "-i", "0.2", "-W", "2", InternetHost);
        Assert.True(ping.ExitCode == 0, $"ping ({context}): {ping.All}");
        var download = await sub.ExecAsync("curl", "-sS", "--max-time", "60", "-o", "/dev/null", "-w", "%{http_code} %{size_download}",
            $"http://{InternetHost}/big.bin");
        Assert.True(download.ExitCode == 0, $"download ({context}): {download.All}");
        Assert.Equal("200 8388608", download.Stdout.Trim());

        var wg = await sub.ExecAsync("wg", "show", iface, "transfer");
        var received = long.Parse(wg.Stdout.Split('\t', StringSplitOptions.TrimEntries)[1]);
        Assert.True(received > 8_000_000, $"only {received} bytes came through {iface} ({context})");
        var endpoint = await sub.ExecAsync("wg", "show", iface, "endpoints");
        var expected = gatewayAddress.Contains(':') ? $"[{gatewayAddress}]:" : $"{gatewayAddress}:";
        Assert.True(endpoint.Stdout.Contains(expected, StringComparison.Ordinal), $"endpoint ({context}): {endpoint.All}");
    }

    /// <summary>`-d` succeeds; neither host keeps an Mnigs interface, rule, route or nftables table; the
    /// subscriber's resolv.conf is back; the gateway has no session; the internet is out of reach again.</summary>
    public static async Task AssertDisconnectLeavesNothingAsync(LabNode sub, params LabNode[] gateways)
    {
        var disconnect = await sub.CliAsync("-d");
        Assert.True(disconnect.ExitCode == 0, disconnect.All);
        Assert.Empty(await HostTraces.OfAsync(sub.Namespace));
        foreach (var gw in gateways)
        {
            Assert.Empty(await HostTraces.OfAsync(gw.Namespace));
            Assert.Empty((await gw.CliJsonAsync("sessions"))["sessions"]!.AsArray());
        }
        Assert.Equal("nameserver 192.0.2.53\n", await File.ReadAllTextAsync(sub.ResolvConf));
        var after = await sub.ExecAsync("ping", "-c", "1", "-W", "1", InternetHost);
        Assert.NotEqual(0, after.ExitCode);
    }
}

using System.Diagnostics;
using System.Text.Json.Nodes;
using Mnigs.Lab.Tests.Mesh;

namespace Mnigs.Lab.Tests;

/// <summary>
/// The socks tunnel on the standard babel mesh (lab/mesh.sh): dante's danted on the gateway, redsocks and the
/// nftables redirect on the subscriber, and a DNS server in the internet namespace (at the gateway's configured
/// resolver, 198.51.100.2) that the subscriber reaches over TCP through the proxy.
/// </summary>
[Collection("lab")]
public sealed class SocksTests
{
    private const string Suite = "babel-socks-free";
    private const string SocksServer = LabMesh.GatewayMesh + ":1080";

    [Fact]
    public async Task Tcp_and_name_lookups_go_through_the_gateways_socks_server_and_a_released_subscriber_is_refused()
    {
        Shell.RequireLab("danted", "redsocks", "unshare", "getent", "ss");
        const string Socks = "[socks]\nenabled = yes\n";
        await using var mesh = await LabMesh.StartAsync(gatewayExtra: Socks, subExtra: Socks);
        await using var dns = await LabDns.StartAsync($"{mesh.Prefix}-inet", "198.51.100.2", LabMesh.InternetHost);
        try
        {
            var connect = await mesh.Sub.CliAsync("-c", LabMesh.GatewayMesh, "-m", Suite);
            Assert.True(connect.ExitCode == 0, connect.All + mesh.Logs);
            Assert.Contains(Suite, connect.Stdout);

            // TCP reaches the internet through danted; anything else is refused on the subscriber itself.
            var download = await mesh.Sub.ExecAsync("curl", "-sS", "--max-time", "30", "-o", "/dev/null", "-w", "%{http_code} %{size_download}",
                $"http://{LabMesh.InternetHost}/big.bin");
            Assert.True(download.ExitCode == 0, download.All + mesh.Logs);
            Assert.Equal("200 8388608", download.Stdout.Trim());
            var ping = await mesh.Sub.ExecAsync("ping", "-c", "1", "-W", "1", LabMesh.InternetHost);
            Assert.NotEqual(0, ping.ExitCode);

            // Names: the resolver file Mnigs wrote asks the gateway's resolver over TCP, which the redirect carries.
            Assert.Equal("# written by mnigs\nnameserver 198.51.100.2\noptions use-vc\n", await File.ReadAllTextAsync(mesh.Sub.ResolvConf));
            var lookup = await LookupAsync(mesh.Sub, "www.lab.test");
            Assert.True(lookup.ExitCode == 0, "lookup: " + lookup.All + mesh.Logs);
            Assert.StartsWith(LabMesh.InternetHost + " ", lookup.Stdout);

            // A node without a session is refused; given one, it is admitted at once.
            Assert.False(await SocksWorksAsync(mesh.Relay), "relay got through without a session\n" + mesh.Logs);
            var relaySession = await MeshRpc.CallAsync(mesh.Relay.Namespace, LabMesh.GatewayMesh, "requestConnection",
                new JsonArray("relay-id", "relay", 65533, Suite, new JsonObject()));
            Assert.True(relaySession["success"]!.GetValue<bool>(), relaySession.ToJsonString() + mesh.Logs);
            Assert.True(await SocksWorksAsync(mesh.Relay), "relay was refused with a session\n" + mesh.Logs);

            // After release the subscriber's host is as before, and the gateway (still serving relay) refuses it.
            await TunnelChecks.AssertDisconnectLeavesNothingAsync(mesh.Sub);
            Assert.Empty(await ProcessesAsync(mesh.Sub.Namespace, "redsocks"));
            Assert.False(await SocksWorksAsync(mesh.Sub), "the released subscriber got through\n" + mesh.Logs);
            Assert.True(await SocksWorksAsync(mesh.Relay), "relay lost its session with sub's\n" + mesh.Logs);

            var release = await MeshRpc.CallAsync(mesh.Relay.Namespace, LabMesh.GatewayMesh, "releaseConnection",
                new JsonObject { ["sid"] = relaySession["sid"]!.GetValue<string>() });
            Assert.True(release["success"]!.GetValue<bool>(), release.ToJsonString());
            Assert.Empty(await HostTraces.OfAsync(mesh.Gw.Namespace));
            Assert.Empty(await ProcessesAsync(mesh.Gw.Namespace, "danted"));
            Assert.False(await SocksWorksAsync(mesh.Relay));
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            throw new InvalidOperationException(e.Message + "\n" + mesh.Logs, e);
        }
    }

    [Fact]
    public async Task The_installed_danted_and_redsocks_accept_the_files_mnigs_writes()
    {
        Shell.RequireLab("danted", "redsocks");
        var dir = Directory.CreateTempSubdirectory("mnigs-socks-conf-");
        try
        {
            var danted = Path.Combine(dir.FullName, "danted.conf");
            await File.WriteAllTextAsync(danted, Tunnels.Socks.DanteConfig.Render(
                [System.Net.IPAddress.Parse("127.0.0.1"), System.Net.IPAddress.Parse("127.0.0.2")], 1080, "lo",
                [System.Net.IPAddress.Parse("10.77.0.1"), System.Net.IPAddress.Parse("10.77.0.2")]));
            var redsocks = Path.Combine(dir.FullName, "redsocks.conf");
            await File.WriteAllTextAsync(redsocks, Tunnels.Socks.RedsocksConfig.Render(12380, System.Net.IPAddress.Parse("10.77.0.3"), 1080));

            var checkedDanted = await Shell.RunAsync("danted", ["-V", "-f", danted]);
            var checkedRedsocks = await Shell.RunAsync("redsocks", ["-t", "-c", redsocks]);

            Assert.True(checkedDanted.ExitCode == 0, "danted -V: " + checkedDanted.All);
            Assert.True(checkedRedsocks.ExitCode == 0, "redsocks -t: " + checkedRedsocks.All);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    /// <summary>An HTTP request to the internet host through the gateway's SOCKS server, asked directly (not redirected).</summary>
    private static async Task<bool> SocksWorksAsync(LabNode node)
    {
        var r = await node.ExecAsync("curl", "-sS", "--max-time", "5", "--socks5", SocksServer, "-o", "/dev/null", "-w", "%{http_code}",
            $"http://{LabMesh.InternetHost}/");
        return r.ExitCode == 0 && r.Stdout.Trim() == "200";
    }

    /// <summary>getent in <paramref name="node"/>'s namespace with the resolver file the daemon manages there as /etc/resolv.conf.</summary>
    private static Task<Shell.Result> LookupAsync(LabNode node, string name) =>
        Shell.InNamespaceAsync(node.Namespace, "unshare", "-m", "sh", "-c",
            $"mount --bind '{node.ResolvConf}' /etc/resolv.conf && exec getent ahostsv4 {name}");

    /// <summary>The pids of the processes named <paramref name="program"/> in the namespace.</summary>
    private static async Task<List<int>> ProcessesAsync(string ns, string program)
    {
        var pids = await Shell.RunAsync("ip", ["netns", "pids", ns]);
        return [.. pids.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(int.Parse)
            .Where(pid => File.Exists($"/proc/{pid}/comm") && File.ReadAllText($"/proc/{pid}/comm").Trim() == program)];
    }

    /// <summary>
    /// A tiny DNS server (UDP and TCP, RFC 1035) in a namespace: A queries for any name are answered with one address,
    /// others with no records. Stopped on dispose.
    /// </summary>
    private sealed class LabDns : IAsyncDisposable
    {
        private const string Script = """
            import socket, struct, sys, threading
            addr, answer_ip = sys.argv[1], socket.inet_aton(sys.argv[2])
            def answer(q):
                i = 12
                while q[i]: i += q[i] + 1
                question, a = q[12:i + 5], struct.unpack("!H", q[i + 1:i + 3])[0] == 1
                rr = b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 60, 4) + answer_ip if a else b""
                return q[:2] + struct.pack("!HHHHH", 0x8180, 1, 1 if a else 0, 0, 0) + question + rr
            def udp():
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind((addr, 53))
                while True:
                    q, peer = s.recvfrom(512); s.sendto(answer(q), peer)
            def client(c):
                with c:
                    while True:
                        head = c.recv(2)
                        if len(head) < 2: return
                        q = b""
                        while len(q) < struct.unpack("!H", head)[0]: q += c.recv(65535)
                        a = answer(q); c.sendall(struct.pack("!H", len(a)) + a)
            t = socket.socket(); t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); t.bind((addr, 53)); t.listen()
            threading.Thread(target=udp, daemon=True).start()
            while True:
                c, _ = t.accept(); threading.Thread(target=client, args=(c,), daemon=True).start()
            """;

        private readonly Process _process;

        private LabDns(Process process) => _process = process;

        public static async Task<LabDns> StartAsync(string ns, string address, string answer)
        {
            var start = new ProcessStartInfo("ip") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (var a in new[] { "netns", "exec", ns, "python3", "-c", Script, address, answer })
                start.ArgumentList.Add(a);
            var dns = new LabDns(Process.Start(start)!);
            for (var i = 0; i < 50; i++)
            {
                var listening = await Shell.InNamespaceAsync(ns, "ss", "-Hltn", "sport = :53");
                if (listening.Stdout.Contains(address + ":53", StringComparison.Ordinal))
                    return dns;
                if (dns._process.HasExited)
                    break;
                await Task.Delay(100);
            }
            var error = dns._process.HasExited ? await dns._process.StandardError.ReadToEndAsync() : "";
            await dns.DisposeAsync();
            throw new InvalidOperationException($"The lab DNS server did not start in {ns}: {error}");
        }

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                await _process.WaitForExitAsync();
            }
            _process.Dispose();
        }
    }
}

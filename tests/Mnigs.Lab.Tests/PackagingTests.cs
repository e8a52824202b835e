using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Mnigs.Lab.Tests.Mesh;
using Mnigs.Lab.Tests.Packaging;
using Mnigs.Lab.Tests.Platform;

namespace Mnigs.Lab.Tests;

/// <summary>
/// Installing Mnigs where meshes run. The Debian package is built by packaging/debian/build-deb.sh, installed
/// with the real dpkg on this machine, run, and purged; the Docker image's entry script runs with the values
/// of packaging/docker/*.env in namespaces set up as packaging/docker/compose.yaml sets up its containers.
/// </summary>
[Collection("lab")]
public sealed partial class PackagingTests(PublishedMnigs published) : IClassFixture<PublishedMnigs>
{
    private const string Unit = "/lib/systemd/system/mnigsd.service";

    private static readonly string[] PackageFiles =
    [
        "/usr/lib/mnigs", "/usr/sbin/mnigsd", "/usr/bin/mnigs-cli", "/etc/mnigs", "/var/lib/mnigs", Unit,
        "/etc/systemd/system/multi-user.target.wants/mnigsd.service",
        "/var/lib/systemd/deb-systemd-helper-enabled/mnigsd.service.dsh-also",
        "/var/lib/systemd/deb-systemd-helper-enabled/multi-user.target.wants/mnigsd.service",
        "/usr/share/man/man8/mnigsd.8.gz", "/usr/share/bash-completion/completions/mnigs-cli",
    ];

    [Fact]
    public async Task Deb_installs_runs_with_the_units_capabilities_and_purges_cleanly()
    {
        Shell.RequireLab("dpkg", "dpkg-deb", "systemd-analyze", "man", "setpriv", "ip", "curl", "bash");
        // This is the machine's real package database: never touch an installation that is not the test's own.
        var installed = await Shell.RunAsync("dpkg-query", ["-W", "-f=${Status}", "mnigs"]);
        Assert.False(installed.ExitCode == 0 && installed.Stdout.Contains("installed", StringComparison.Ordinal),
            "The package mnigs is installed on this machine; remove it (dpkg --purge mnigs) before running this test");
        Assert.False(Directory.Exists("/etc/mnigs") || Directory.Exists("/var/lib/mnigs"),
            "/etc/mnigs or /var/lib/mnigs exists on this machine; this test installs and purges the package there, so move them away first");

        var output = Directory.CreateTempSubdirectory("mnigs-deb-").FullName;
        var arch = (await Shell.CheckedAsync("dpkg", "--print-architecture")).Trim();
        var build = await Shell.RunAsync("bash", [Path.Combine(Shell.RepoRoot(), "packaging", "debian", "build-deb.sh"), "--framework-dependent",
            published.Folder, arch, output], TimeSpan.FromMinutes(3));
        Assert.True(build.ExitCode == 0, build.All);
        var deb = build.Stdout.Trim();
        var version = (await Shell.CheckedAsync("dpkg-deb", "-f", deb, "Version")).Trim();
        Assert.Equal(VersionInBuildProps(), version);

        LabNamespace? ns = null;
        try
        {
            var install = await Shell.RunAsync("dpkg", ["-i", deb], TimeSpan.FromMinutes(2));
            Assert.True(install.ExitCode == 0, install.All);
            Assert.Contains("install ok installed", (await Shell.CheckedAsync("dpkg-query", "-W", "-f=${Status}", "mnigs")));
            Assert.Equal("/etc/mnigs/mnigs.conf", (await Shell.CheckedAsync("dpkg-query", "--control-show", "mnigs", "conffiles")).Trim());

            // Enabled at boot; state kept to root.
            Assert.Equal(Unit, new FileInfo("/etc/systemd/system/multi-user.target.wants/mnigsd.service").LinkTarget);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode("/var/lib/mnigs"));

            // systemd accepts the unit as installed (its ExecStart and man pages exist), and with the drop-ins it ships.
            var verify = await Shell.RunAsync("systemd-analyze", ["verify", Unit]);
            Assert.True(verify.ExitCode == 0 && !verify.All.Contains("mnigsd", StringComparison.Ordinal), verify.All);
            var withDropIns = Path.Combine(output, "units");
            Directory.CreateDirectory(Path.Combine(withDropIns, "mnigsd.service.d"));
            File.Copy(Unit, Path.Combine(withDropIns, "mnigsd.service"));
            foreach (var dropIn in Directory.GetFiles("/usr/share/doc/mnigs/examples/systemd"))
                File.Copy(dropIn, Path.Combine(withDropIns, "mnigsd.service.d", Path.GetFileName(dropIn)));
            verify = await Shell.RunAsync("systemd-analyze", ["verify", Path.Combine(withDropIns, "mnigsd.service")]);
            Assert.True(verify.ExitCode == 0 && !verify.All.Contains("mnigsd", StringComparison.Ordinal), verify.All);

            Assert.StartsWith(version, (await Shell.CheckedAsync("mnigs-cli", "--version")).Trim());
            Assert.Equal($"mnigsd {version}", (await Shell.CheckedAsync("mnigsd", "--version")).Trim());
            Assert.Equal(0, (await Shell.RunAsync("man", ["-w", "mnigsd", "mnigs-cli"])).ExitCode);
            Assert.Contains("status", await CompleteAsync("mnigs-cli sta"));
            Assert.Contains("--no-throughput", await CompleteAsync("mnigs-cli test --no"));
            Assert.Empty(await CompleteAsync("mnigs-cli -f ")); // nothing from mnigs-cli: bash completes file names

            // The installed daemon with the installed config, as the unit starts it: only the unit's capabilities, no new
            // privileges, its output going to the journal (which systemd tells it with JOURNAL_STREAM).
            ns = await LabNamespace.CreateAsync("deb");
            var capabilities = string.Join(',', Regex.Match(File.ReadAllText(Unit), @"^CapabilityBoundingSet=(.*)$", RegexOptions.Multiline)
                .Groups[1].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(c => "+" + c["CAP_".Length..].ToLowerInvariant()));
            await using var daemon = StartIn(ns.Name, new Dictionary<string, string> { ["JOURNAL_STREAM"] = "8:1234" }, "setpriv", $"--bounding-set=-all,{capabilities}", "--inh-caps=-all", "--no-new-privs",
                "/usr/sbin/mnigsd", "-f", "/etc/mnigs/mnigs.conf");
            var info = await NodeInfoAsync(ns.Name, daemon);
            Assert.True(info["success"]!.GetValue<bool>(), info.ToJsonString());
            Assert.Equal(version, info["version"]!.GetValue<string>());
            Assert.True(File.Exists("/var/lib/mnigs/mnigs.db"), "the daemon keeps its database in /var/lib/mnigs\n" + daemon.Log);
            await daemon.StopAsync();
            // One line per message, its syslog priority first (6: info), no time stamp of its own.
            Assert.Contains($"<6>mnigsd[0] Mnigs {version} starting", daemon.Log);
            Assert.Contains("<6>mnigsd[0] Stopping", daemon.Log);
        }
        finally
        {
            if (ns is not null)
                await ns.DisposeAsync();
            var purge = await Shell.RunAsync("dpkg", ["--purge", "mnigs"], TimeSpan.FromMinutes(2));
            Directory.Delete(output, recursive: true);
            Assert.True(purge.ExitCode == 0, purge.All);
        }

        Assert.NotEqual(0, (await Shell.RunAsync("dpkg-query", ["-W", "mnigs"])).ExitCode);
        Assert.DoesNotContain(PackageFiles, p => File.Exists(p) || Directory.Exists(p) || new FileInfo(p).LinkTarget is not null);
    }

    [Fact]
    public async Task Compose_gateway_and_subscriber_go_online_through_the_entry_script()
    {
        Shell.RequireLab("ip", "babeld", "wireguard-go", "wg", "nft", "ping", "unshare", "mount", "sh");
        var docker = Path.Combine(Shell.RepoRoot(), "packaging", "docker");
        var tag = Random.Shared.Next(0x1000, 0xFFFF).ToString("x4");
        var state = Directory.CreateTempSubdirectory("mnigs-compose-").FullName;
        await using var gw = await LabNamespace.CreateAsync("cgw");
        await using var sub = await LabNamespace.CreateAsync("csub");
        await using var inet = await LabNamespace.CreateAsync("cinet");
        try
        {
            // compose.yaml: gateway on the mesh and an uplink, subscriber on the mesh only (internal: no route out).
            await Veth($"pk{tag}gs", gw, $"pk{tag}sg", sub);
            await Veth($"pk{tag}gi", gw, $"pk{tag}ig", inet);
            await gw.CheckedAsync("ip", "address", "add", "10.77.10.3/24", "dev", $"pk{tag}gs");
            await sub.CheckedAsync("ip", "address", "add", "10.77.10.2/24", "dev", $"pk{tag}sg");
            await gw.CheckedAsync("ip", "address", "add", "198.51.100.1/24", "dev", $"pk{tag}gi");
            await inet.CheckedAsync("ip", "address", "add", "198.51.100.2/24", "dev", $"pk{tag}ig");
            await inet.CheckedAsync("ip", "address", "add", "203.0.113.10/32", "dev", "lo");
            await gw.CheckedAsync("ip", "route", "add", "default", "via", "198.51.100.2");
            // Docker mounts /proc/sys read-only unless privileged: what compose.yaml's sysctls set is all there is.
            foreach (var ns in new[] { gw, sub })
                foreach (var (key, value) in ComposeSysctls(File.ReadAllText(Path.Combine(docker, "compose.yaml"))))
                    await ns.CheckedAsync("sysctl", "-q", "-w", $"{key}={value}");

            await using var gateway = StartNode(gw, "gateway", Path.Combine(state, "gateway"), docker);
            await using var subscriber = StartNode(sub, "subscriber", Path.Combine(state, "subscriber"), docker);

            // subscriber.env turns the autopilot on: the subscriber finds the gateway over babel and goes online by itself.
            var deadline = DateTime.UtcNow.AddSeconds(60);
            var reached = false;
            while (!reached && DateTime.UtcNow < deadline)
            {
                Assert.False(gateway.Exited || subscriber.Exited, $"a daemon ended:\n--- gateway ---\n{gateway.Log}\n--- subscriber ---\n{subscriber.Log}");
                reached = (await sub.RunAsync("ping", "-c", "1", "-W", "1", "203.0.113.10")).Succeeded;
            }
            Assert.True(reached, $"the subscriber did not reach 203.0.113.10:\n--- gateway ---\n{gateway.Log}\n--- subscriber ---\n{subscriber.Log}");
            var route = await sub.CheckedAsync("ip", "route", "get", "203.0.113.10");
            Assert.Matches(@"dev mn[0-9a-f]{4}s\d", route);
            var status = JsonNode.Parse(await sub.CheckedAsync(Path.Combine(published.Folder, "mnigs-cli"), "-f", Path.Combine(state, "subscriber", "mnigs.conf"), "status", "--json"))!;
            Assert.Equal("gateway", status["subscriber"]?["connection"]?["gatewayName"]?.GetValue<string>());
            Assert.Equal("10.77.0.3", status["subscriber"]?["connection"]?["gateway"]?.GetValue<string>());

            await subscriber.StopAsync();
            await gateway.StopAsync();
            Assert.Empty(await HostTraces.OfAsync(sub.Name));
            Assert.Empty(await HostTraces.OfAsync(gw.Name));
        }
        finally
        {
            Directory.Delete(state, recursive: true);
        }
    }

    /// <summary>
    /// packaging/docker/entrypoint.sh as the container runs it: environment from NAME.env, the image's PATH
    /// (the published folder first), a mount namespace where /proc/sys is read-only as Docker has it. Only
    /// the paths differ: config, state and babeld's files go under <paramref name="dir"/>.
    /// </summary>
    private RunningProcess StartNode(LabNamespace ns, string name, string dir, string docker)
    {
        Directory.CreateDirectory(dir);
        var conf = Path.Combine(dir, "mnigs.conf");
        File.WriteAllText(Path.Combine(dir, "resolv.conf"), "nameserver 192.0.2.53\n");
        File.WriteAllText(conf, $"[daemon]\nstateDir = {dir}/state\nlogLevel = debug\n[subscriber]\nresolvConf = {dir}/resolv.conf\n");
        var env = EnvFile(File.ReadAllText(Path.Combine(docker, name + ".env")));
        env["MNIGS_CONF"] = conf;
        env["MNIGS_RUN"] = Path.Combine(dir, "run");
        env["PATH"] = published.Folder + ":" + Environment.GetEnvironmentVariable("PATH");
        return StartIn(ns.Name, env, "unshare", "--mount", "sh", "-c",
            "mount --bind /proc/sys /proc/sys && mount -o remount,bind,ro /proc/sys && exec sh \"$0\"", Path.Combine(docker, "entrypoint.sh"));
    }

    /// <summary>KEY=VALUE lines as Compose's env_file reads them ('#' comments, no quoting).</summary>
    private static Dictionary<string, string> EnvFile(string text) =>
        text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && l[0] != '#' && l.Contains('='))
            .ToDictionary(l => l[..l.IndexOf('=')], l => l[(l.IndexOf('=') + 1)..]);

    /// <summary>The <c>net.*: value</c> lines of compose.yaml's sysctls.</summary>
    private static IEnumerable<(string Key, string Value)> ComposeSysctls(string compose) =>
        SysctlLine().Matches(compose).Select(m => (m.Groups[1].Value, m.Groups[2].Value));

    private static async Task Veth(string a, LabNamespace nsA, string b, LabNamespace nsB)
    {
        await Shell.CheckedAsync("ip", "link", "add", a, "netns", nsA.Name, "type", "veth", "peer", "name", b, "netns", nsB.Name);
        await nsA.CheckedAsync("ip", "link", "set", a, "up");
        await nsB.CheckedAsync("ip", "link", "set", b, "up");
    }

    private static async Task<string[]> CompleteAsync(string line)
    {
        var words = line.Split(' ');
        var script = $"source /usr/share/bash-completion/completions/mnigs-cli; COMP_LINE='{line}'; COMP_POINT=${{#COMP_LINE}}; "
            + $"COMP_WORDS=({string.Join(' ', words.Select(w => $"'{w}'"))}); COMP_CWORD={words.Length - 1}; _mnigs_cli; printf '%s\\n' \"${{COMPREPLY[@]}}\"";
        return (await Shell.CheckedAsync("bash", "-c", script)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    private static async Task<JsonObject> NodeInfoAsync(string ns, RunningProcess daemon)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            Assert.False(daemon.Exited, "mnigsd ended:\n" + daemon.Log);
            var r = await Shell.InNamespaceAsync(ns, "curl", "-sS", "--max-time", "2", "-H", "Content-Type: application/json",
                "--data-binary", """{"jsonrpc":"2.0","method":"nodeInfo","id":1}""", "http://127.0.0.1:65533/jsonrpc");
            if (r.ExitCode == 0)
                return JsonNode.Parse(r.Stdout)!["result"]!.AsObject();
            await Task.Delay(200);
        }
        throw new TimeoutException("mnigsd did not answer nodeInfo within 30 s:\n" + daemon.Log);
    }

    private static string VersionInBuildProps() =>
        Regex.Match(File.ReadAllText(Path.Combine(Shell.RepoRoot(), "Directory.Build.props")), "<Version>(.*)</Version>").Groups[1].Value;

    private static RunningProcess StartIn(string ns, IDictionary<string, string>? env, params string[] command)
    {
        var psi = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "netns", "exec", ns }.Concat(command))
            psi.ArgumentList.Add(a);
        if (env is not null)
            foreach (var (k, v) in env)
                psi.Environment[k] = v;
        return new RunningProcess(Process.Start(psi)!);
    }

    [GeneratedRegex(@"^\s+(net\.[\w.]+):\s*(\S+)\s*$", RegexOptions.Multiline)]
    private static partial Regex SysctlLine();

    /// <summary>A started process (each program execs the next, so its pid ends up the daemon's), with its output.</summary>
    private sealed class RunningProcess : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _log = new();

        public RunningProcess(Process process)
        {
            _process = process;
            _process.OutputDataReceived += (_, e) => Append(e.Data);
            _process.ErrorDataReceived += (_, e) => Append(e.Data);
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
        }

        public bool Exited => _process.HasExited;

        public string Log
        {
            get
            {
                lock (_log)
                    return _log.ToString();
            }
        }

        private void Append(string? line)
        {
            if (line is not null)
                lock (_log)
                    _log.AppendLine(line);
        }

        public async Task StopAsync()
        {
            if (_process.HasExited)
                return;
            await Shell.RunAsync("kill", ["-TERM", _process.Id.ToString()]);
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            try
            {
                await _process.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill();
            }
        }

        public async ValueTask DisposeAsync()
        {
            await StopAsync();
            _process.Dispose();
        }
    }
}

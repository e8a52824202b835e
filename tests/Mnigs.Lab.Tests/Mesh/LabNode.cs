using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;

namespace Mnigs.Lab.Tests.Mesh;

/// <summary>One Mnigs daemon running in one namespace of the lab mesh, with its own config and state.</summary>
public sealed class LabNode : IAsyncDisposable
{
    private Process? _daemon;
    private readonly StringBuilder _log = new();

    public LabNode(string prefix, string role, string stateRoot, string extraConfig)
    {
        Role = role;
        Namespace = $"{prefix}-{role}";
        StateDir = Path.Combine(stateRoot, "mnigs-" + role);
        Directory.CreateDirectory(StateDir);
        ConfigPath = Path.Combine(StateDir, "mnigs.conf");
        ResolvConf = Path.Combine(StateDir, "resolv.conf");
        File.WriteAllText(ResolvConf, "nameserver 192.0.2.53\n");
        File.WriteAllText(ConfigPath, $"""
            # lab node {role}
            [main]
            name = {role}
            [daemon]
            stateDir = {StateDir}
            logLevel = debug
            [subscriber]
            resolvConf = {ResolvConf}
            {extraConfig}
            """);
    }

    public string Role { get; }
    public string Namespace { get; }
    public string StateDir { get; }
    public string ConfigPath { get; }
    public string ResolvConf { get; }
    public int? Pid => _daemon is { HasExited: false } d ? d.Id : null;

    public string Log
    {
        get
        {
            lock (_log)
                return _log.ToString();
        }
    }

    public static string MnigsDll => Path.Combine(AppContext.BaseDirectory, "mnigs.dll");

    public async Task StartAsync()
    {
        var psi = new ProcessStartInfo("ip")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "netns", "exec", Namespace, "dotnet", MnigsDll, "daemon", "-f", ConfigPath })
            psi.ArgumentList.Add(a);
        _daemon = Process.Start(psi)!;
        _daemon.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_log) _log.AppendLine(e.Data); };
        _daemon.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_log) _log.AppendLine(e.Data); };
        _daemon.BeginOutputReadLine();
        _daemon.BeginErrorReadLine();

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (_daemon.HasExited)
                throw new InvalidOperationException($"{Role} daemon exited with {_daemon.ExitCode}:\n{Log}");
            var r = await CliAsync("status", "--json");
            if (r.ExitCode == 0)
                return;
            await Task.Delay(200);
        }
        throw new TimeoutException($"{Role} daemon did not answer status within 30 s:\n{Log}");
    }

    /// <summary>mnigs-cli -f CONFIG ARGS inside this node's namespace.</summary>
    public Task<Shell.Result> CliAsync(params string[] args) =>
        Shell.RunAsync("ip", ["netns", "exec", Namespace, "dotnet", MnigsDll, "-f", ConfigPath, .. args], TimeSpan.FromSeconds(120));

    public async Task<JsonObject> CliJsonAsync(params string[] args)
    {
        var r = await CliAsync([.. args, "--json"]);
        return JsonNode.Parse(r.Stdout) as JsonObject ?? throw new InvalidOperationException($"not JSON from {string.Join(' ', args)}: {r.All}");
    }

    public Task<Shell.Result> ExecAsync(string program, params string[] args) => Shell.InNamespaceAsync(Namespace, program, args);

    /// <summary>Simulates a crash: SIGKILL, no cleanup.</summary>
    public async Task KillAsync()
    {
        if (_daemon is null || _daemon.HasExited)
            return;
        // `ip netns exec` execs the program, so the process is dotnet itself.
        Process.GetProcessById(_daemon.Id).Kill();
        await _daemon.WaitForExitAsync();
    }

    public async Task StopAsync()
    {
        if (_daemon is null || _daemon.HasExited)
            return;
        await Shell.RunAsync("kill", ["-TERM", _daemon.Id.ToString()]);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        try
        {
            await _daemon.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            _daemon.Kill();
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync();
        }
        catch (InvalidOperationException)
        {
        }
        _daemon?.Dispose();
    }
}

using System.Diagnostics;

namespace Mnigs.Lab.Tests.Mesh;

/// <summary>Runs commands for the lab (as root), optionally inside a network namespace.</summary>
public static class Shell
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        public string All => Stdout + Stderr;
    }

    public static async Task<Result> RunAsync(string program, IEnumerable<string> args, TimeSpan? timeout = null, IDictionary<string, string>? env = null)
    {
        var psi = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        if (env is not null)
            foreach (var (k, v) in env)
                psi.Environment[k] = v;
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', args)} did not finish in {(timeout ?? TimeSpan.FromSeconds(60)).TotalSeconds} s");
        }
        return new Result(process.ExitCode, await stdout, await stderr);
    }

    public static Task<Result> InNamespaceAsync(string ns, string program, params string[] args) =>
        RunAsync("ip", ["netns", "exec", ns, program, .. args]);

    public static async Task<string> CheckedAsync(string program, params string[] args)
    {
        var r = await RunAsync(program, args);
        if (r.ExitCode != 0)
            throw new InvalidOperationException($"{program} {string.Join(' ', args)} exited {r.ExitCode}: {r.All}");
        return r.Stdout;
    }

    /// <summary>Lab tests need root and these programs; without them they fail loudly, never skip.</summary>
    public static void RequireLab(params string[] programs)
    {
        if (Environment.UserName != "root" && !string.Equals(Environment.GetEnvironmentVariable("USER"), "root", StringComparison.Ordinal)
            && File.ReadAllText("/proc/self/status").Split('\n').FirstOrDefault(l => l.StartsWith("Uid:", StringComparison.Ordinal))?.Split('\t')[1] != "0")
            throw new InvalidOperationException("Lab tests need root (network namespaces); run them as root");
        var missing = programs.Where(p => !Environment.GetEnvironmentVariable("PATH")!.Split(':').Any(d => File.Exists(Path.Combine(d, p)))).ToList();
        if (missing.Count > 0)
            throw new InvalidOperationException($"Lab tests need {string.Join(", ", missing)}: install them (the README's test command does)");
    }

    public static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Mnigs.slnx")))
            dir = dir.Parent;
        if (dir is not null)
            return dir.FullName;
        // Built outside the tree (ArtifactsPath elsewhere): the build recorded where the sources are.
        var recorded = typeof(Shell).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false)
            .Cast<System.Reflection.AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == "RepoRoot")?.Value;
        return recorded is not null && File.Exists(Path.Combine(recorded, "Mnigs.slnx"))
            ? recorded
            : throw new InvalidOperationException("Cannot find the repository root (Mnigs.slnx) above " + AppContext.BaseDirectory);
    }
}

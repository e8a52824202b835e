using Mnigs.Lab.Tests.Mesh;

namespace Mnigs.Lab.Tests.Packaging;

/// <summary>
/// One framework-dependent build made by scripts/publish.sh, the README's publish command and the one the
/// Dockerfile runs, shared by the packaging tests. (A NativeAOT publish takes minutes; scripts/release.sh
/// makes those, and the packages are built the same way from either.)
/// </summary>
public sealed class PublishedMnigs : IAsyncLifetime
{
    private readonly string _root = Directory.CreateTempSubdirectory("mnigs-published-").FullName;

    public string Folder => Path.Combine(_root, "mnigs");

    public async Task InitializeAsync()
    {
        Shell.RequireLab("dotnet", "bash");
        var r = await Shell.RunAsync("bash", [Path.Combine(Shell.RepoRoot(), "scripts", "publish.sh"), Folder], TimeSpan.FromMinutes(8));
        if (r.ExitCode != 0 || !File.Exists(Path.Combine(Folder, "mnigs")))
            throw new InvalidOperationException($"scripts/publish.sh failed ({r.ExitCode}): {r.All}");
    }

    public Task DisposeAsync()
    {
        Directory.Delete(_root, recursive: true);
        return Task.CompletedTask;
    }
}

using System.Runtime.CompilerServices;

namespace Mnigs.Tests.Packaging;

/// <summary>Files of the repository (packaging/, mnigs.conf.sample), found by walking up to the folder holding Mnigs.slnx.</summary>
internal static class RepositoryFiles
{
    public static string Root { get; } = FindRoot();

    public static string Read(string relativePath) => File.ReadAllText(Path.Combine(Root, relativePath));

    // From the test binaries first; when they are built outside the tree (ArtifactsPath elsewhere),
    // from where this source file was compiled.
    private static string FindRoot() =>
        Above(AppContext.BaseDirectory) ?? Above(Path.GetDirectoryName(SourceFile()) ?? "")
        ?? throw new InvalidOperationException($"No Mnigs.slnx above {AppContext.BaseDirectory} or {SourceFile()}");

    private static string? Above(string start)
    {
        for (var directory = start.Length > 0 ? new DirectoryInfo(start) : null; directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Mnigs.slnx")))
                return directory.FullName;
        }
        return null;
    }

    private static string SourceFile([CallerFilePath] string path = "") => path;
}

using Mnigs.Platform;
using Microsoft.Extensions.Logging.Abstractions;

namespace Mnigs.Lab.Tests.Platform;

/// <summary>What a lab test needs from the machine. Missing pieces fail the test with a clear message; they never skip it.</summary>
public static class LabPrerequisites
{
    public static void Require(params string[] programs)
    {
        if (!Environment.IsPrivilegedProcess)
            throw new InvalidOperationException("This lab test needs root (it creates network namespaces): run dotnet test as root");
        var runner = new ProcessCommandRunner(NullLogger<ProcessCommandRunner>.Instance);
        var missing = programs.Where(p => runner.FindProgram(p) is null).ToList();
        if (missing.Count > 0)
            throw new InvalidOperationException(
                $"This lab test needs {string.Join(", ", missing)}, not found on PATH (Debian: apt-get install iproute2 wireguard-tools wireguard-go nftables)");
    }
}

using Microsoft.Playwright;
using Mnigs.Lab.Tests.Mesh;

namespace Mnigs.Lab.Tests.Web;

/// <summary>
/// Debian's chromium, headless, running inside one lab node's network namespace so that the daemon
/// there sees the browser as a loopback (authorized) caller. Playwright starts the "executable" and
/// talks to it over a pipe (--remote-debugging-pipe, fds 3 and 4), so a shell wrapper that execs
/// <c>ip netns exec NS chromium</c> keeps the pipe. No Playwright browser download is ever used.
/// </summary>
public static class NamespaceChromium
{
    /// <summary>Debian's launcher (package chromium); scripts/prereqs.sh installs it.</summary>
    public static string Executable =>
        Environment.GetEnvironmentVariable("PATH")!.Split(':').Select(d => Path.Combine(d, "chromium")).FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException("The web UI tests need Debian's chromium: apt-get install chromium (scripts/prereqs.sh does)");

    public static async Task<IBrowser> LaunchAsync(IPlaywright playwright, string ns, string workDir)
    {
        Shell.RequireLab("ip", "chromium");
        Directory.CreateDirectory(workDir);
        var wrapper = Path.Combine(workDir, $"chromium-in-{ns}");
        await File.WriteAllTextAsync(wrapper, $"#!/bin/sh\nexec ip netns exec {ns} {Executable} \"$@\"\n");
        File.SetUnixFileMode(wrapper, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = wrapper,
            Headless = true,
            // Root has no user namespace sandbox to give; the lab runs as root.
            ChromiumSandbox = false,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
            Timeout = 60_000,
        });
    }

    /// <summary>Playwright's driver without any attempt to fetch a browser of its own.</summary>
    public static Task<IPlaywright> StartPlaywrightAsync()
    {
        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        return Playwright.CreateAsync();
    }
}

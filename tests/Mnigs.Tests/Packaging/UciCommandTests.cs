using Mnigs.Tests.Cli;

namespace Mnigs.Tests.Packaging;

/// <summary>`mnigs-cli uci FILE -o OUT`, which OpenWrt's init script runs before every start.</summary>
[Collection("console")]
public sealed class UciCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mnigs-uci-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Writes_the_config_readable_only_by_root_and_the_daemon_loads_it()
    {
        var uci = Path.Combine(_dir, "mnigs");
        var ini = Path.Combine(_dir, "mnigs.conf");
        await File.WriteAllTextAsync(uci, "config cjdns\n\toption adminPassword 'secret'\nconfig gateway\n\toption enabled 1\n");

        var (code, _, error) = await CliRun.RunAsync("uci", uci, "-o", ini);

        Assert.True(code == 0, error);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(ini));
        var loaded = Daemon.ConfigFile.Load(ini);
        Assert.Null(loaded.Error);
        Assert.True(loaded.Config!.GatewayEnabled);
        Assert.Equal("secret", loaded.Config.CjdnsAdminPassword);
    }

    [Fact]
    public async Task A_mistake_stops_with_file_and_line_and_leaves_the_old_config()
    {
        var uci = Path.Combine(_dir, "mnigs");
        var ini = Path.Combine(_dir, "mnigs.conf");
        await File.WriteAllTextAsync(ini, "[gateway]\nenabled = no\n");
        await File.WriteAllTextAsync(uci, "config gateway\n\toption enabled 1\n\toption maxConections 4\n");

        var (code, _, error) = await CliRun.RunAsync("uci", uci, "-o", ini);

        Assert.Equal(2, code);
        Assert.Contains($"{uci}:3: Unknown key gateway.maxConections; did you mean gateway.maxConnections?", error);
        Assert.Equal("[gateway]\nenabled = no\n", await File.ReadAllTextAsync(ini));
    }

    [Fact]
    public async Task Without_output_it_prints_the_config()
    {
        var uci = Path.Combine(_dir, "mnigs");
        await File.WriteAllTextAsync(uci, "config babel\n\toption localPort 33124\n");

        var (code, output, _) = await CliRun.RunAsync("uci", uci);

        Assert.Equal(0, code);
        Assert.Contains("[babel]\nlocalPort = 33124\n", output);
    }
}

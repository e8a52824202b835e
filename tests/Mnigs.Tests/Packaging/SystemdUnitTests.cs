using Mnigs.Core.Config;
using Mnigs.Core.Tests.Config;

namespace Mnigs.Tests.Packaging;

/// <summary>
/// packaging/systemd/mnigsd.service against what the daemon does with its default config: the paths it
/// writes must be writable under ProtectSystem=strict, and it gets no capability beyond the two it needs.
/// (tests/Mnigs.Lab.Tests/PackagingTests.cs runs systemd-analyze verify on the installed unit.)
/// </summary>
public sealed class SystemdUnitTests
{
    private static readonly ILookup<string, string> Service = Settings(RepositoryFiles.Read("packaging/systemd/mnigsd.service"), "Service");

    private static string Default(string section, string key) => ConfigSchema.Find(section, key)!.Default;

    [Fact]
    public void It_runs_the_packaged_daemon_with_the_packaged_config()
    {
        // build-deb.sh: /usr/sbin/mnigsd is a symlink to the binary, which runs as the daemon when started by that name.
        Assert.Equal("/usr/sbin/mnigsd -f /etc/mnigs/mnigs.conf", Assert.Single(Service["ExecStart"]));
        Assert.Contains("echo /etc/mnigs/mnigs.conf >\"$root/DEBIAN/conffiles\"", RepositoryFiles.Read("packaging/debian/build-deb.sh"));
        Assert.Contains("ln -s ../lib/mnigs/mnigs \"$root/usr/sbin/mnigsd\"", RepositoryFiles.Read("packaging/debian/build-deb.sh"));
    }

    [Fact]
    public void Only_cap_net_admin_and_cap_net_raw_are_kept()
    {
        Assert.Equal(["CAP_NET_ADMIN", "CAP_NET_RAW"], Words("CapabilityBoundingSet").Order());
        Assert.Equal("yes", Assert.Single(Service["NoNewPrivileges"]));
        Assert.Empty(Service["AmbientCapabilities"]);
    }

    [Fact]
    public void The_filesystem_is_read_only_but_where_the_default_config_writes()
    {
        Assert.Equal("strict", Assert.Single(Service["ProtectSystem"]));
        // StateDirectory= is made writable (and created, 0700) by systemd: it must be daemon.stateDir's default.
        Assert.Equal("/var/lib/" + Assert.Single(Service["StateDirectory"]), Default("daemon", "stateDir"));
        var writable = Words("ReadWritePaths").Select(p => p.TrimStart('-')).ToList();
        // The web UI's Settings save the config file; a subscriber rewrites resolv.conf without systemd-resolved.
        Assert.Contains("/etc/mnigs", writable);
        Assert.Contains(Default("subscriber", "resolvConf"), writable);
        // wireguard-go's sockets: /run is read-only too.
        Assert.Contains("wireguard", Words("RuntimeDirectory"));
        // Forwarding and rp_filter are written under /proc/sys/net.
        Assert.Equal("no", Assert.Single(Service["ProtectKernelTunables"]));
    }

    [Fact]
    public void Tun_devices_and_the_socket_families_the_daemon_and_its_tunnels_use_are_allowed()
    {
        Assert.Equal("/dev/net/tun rw", Assert.Single(Service["DeviceAllow"]));
        Assert.Equal(["AF_INET", "AF_INET6", "AF_NETLINK", "AF_UNIX"], Words("RestrictAddressFamilies").Order());
    }

    [Theory]
    [InlineData("packaging/systemd/socks.conf")]
    [InlineData("packaging/systemd/softether.conf")]
    public void Drop_ins_only_add_to_the_service_section(string path)
    {
        var text = RepositoryFiles.Read(path);
        Assert.Equal(["[Service]"], text.Split('\n').Where(l => l.StartsWith('[')).ToArray());
        Assert.NotEmpty(Settings(text, "Service"));
    }

    private static IEnumerable<string> Words(string key) =>
        Service[key].SelectMany(v => v.Split(' ', StringSplitOptions.RemoveEmptyEntries));

    /// <summary>The key=value lines of one [section] of a unit file (systemd.syntax(7)), a key possibly more than once.</summary>
    private static ILookup<string, string> Settings(string unit, string section)
    {
        var current = "";
        var pairs = new List<(string Key, string Value)>();
        foreach (var raw in unit.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] is '#' or ';')
                continue;
            if (line.StartsWith('['))
            {
                current = line.Trim('[', ']');
                continue;
            }
            var equals = line.IndexOf('=');
            if (current == section && equals > 0)
                pairs.Add((line[..equals].Trim(), line[(equals + 1)..].Trim()));
        }
        return pairs.ToLookup(p => p.Key, p => p.Value);
    }
}

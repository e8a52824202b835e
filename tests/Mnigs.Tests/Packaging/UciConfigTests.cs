using Mnigs.Core.Config;
using Mnigs.Core.Config.Uci;
using Mnigs.Core.Tests.Config;

namespace Mnigs.Tests.Packaging;

/// <summary>OpenWrt's /etc/config/mnigs (UCI) becomes mnigs.conf with the same keys, or its mistakes are named by UCI line.</summary>
public sealed class UciConfigTests
{
    private static MnigsConfig Load(string uci)
    {
        var conversion = UciConfig.ToIni(uci, "/etc/config/mnigs");
        Assert.True(conversion.Ok, string.Join("\n", conversion.Errors));
        var loaded = ConfigLoader.Load(conversion.Ini!);
        Assert.True(loaded.Ok, string.Join("\n", loaded.Errors));
        return loaded.Config!;
    }

    [Fact]
    public void Sections_options_and_lists_become_the_same_keys()
    {
        var config = Load("""
            package mnigs

            config main 'main'
            	option name 'roof top'   # a comment after the value
            config daemon
            	list authorizedNetworks '127.0.0.0/8'
            	list authorizedNetworks "::1/128"
            	list authorizedNetworks 192.168.1.0/24
            	option stateDir /etc/mnigs
            config gateway 'gateway'
            	option enabled '1'; option maxConnections 5
            config batman-adv 'bat'
            	option enabled 'on'
            	option meshInterface 'bat1'
            """);

        Assert.Equal("roof top", config.Name);
        Assert.Equal(["127.0.0.0/8", "::1/128", "192.168.1.0/24"], config.AuthorizedNetworks.Select(n => n.ToString()));
        Assert.Equal("/etc/mnigs", config.StateDir);
        Assert.True(config.GatewayEnabled);
        Assert.Equal(5, config.MaxConnections);
        Assert.True(config.BatmanAdvEnabled);
        Assert.Equal("bat1", config.BatmanAdvMeshInterface);
    }

    [Fact]
    public void Quotes_and_escapes_are_read_as_libuci_reads_them()
    {
        var config = Load("""
            config gateway
            	option onRegister '/usr/lib/mnigs hooks/on'"-register"
            config subscriber
            	option onConnect /usr/lib/on\ connect
            """);

        Assert.Equal("/usr/lib/mnigs hooks/on-register", config.OnRegister);
        Assert.Equal("/usr/lib/on connect", config.OnConnect);
    }

    [Fact]
    public void A_later_option_replaces_an_earlier_one_and_repeated_sections_merge_as_in_uci()
    {
        var config = Load("""
            config gateway
            	option maxConnections 5
            	option enabled 0
            config gateway
            	option maxConnections 7
            """);

        Assert.Equal(7, config.MaxConnections);
        Assert.False(config.GatewayEnabled);
    }

    [Fact]
    public void Keys_left_out_keep_their_defaults_and_the_name_stays_unset()
    {
        var conversion = UciConfig.ToIni("config gateway 'gateway'\n\toption enabled '1'\n", "/etc/config/mnigs");

        Assert.True(conversion.Ok);
        Assert.Null(IniDocument.Parse(conversion.Ini!).Get("main", "name"));
        Assert.Equal(new MnigsConfig().RpcPort, ConfigLoader.Load(conversion.Ini!).Config!.RpcPort);
    }

    [Fact]
    public void Every_mistake_is_reported_on_its_line_of_the_uci_file()
    {
        var conversion = UciConfig.ToIni("""
            option name 'orphan'
            config gatway
            	option enabled 1
            config wireguard
            	option mtu 'x'
            	option ipv4Subnt '10.1.0.0/24'
            config daemon
            	list scanPorts 65533
            	list scanPorts 'many'
            	option rpcPort '65533
            """, "/etc/config/mnigs");

        Assert.False(conversion.Ok);
        var byLine = conversion.Errors.ToDictionary(e => e.Line, e => e.Message);
        Assert.Contains("belongs to no section", byLine[1]);
        Assert.Contains("did you mean [gateway]", byLine[2]);
        Assert.Contains("wireguard.mtu", byLine[5]);
        Assert.Contains("did you mean wireguard.ipv4Subnet", byLine[6]);
        Assert.Contains("daemon.scanPorts", byLine[9]);
        Assert.Contains("quote is not closed", byLine[10]);
    }

    [Fact]
    public void A_problem_only_the_whole_config_shows_is_reported_on_the_line_of_its_key()
    {
        var conversion = UciConfig.ToIni("""
            config wireguard
            	option ipv4Subnet '10.1.0.0/24'

            	option ipv4Gateway '10.2.0.1'
            """, "/etc/config/mnigs");

        var error = Assert.Single(conversion.Errors);
        Assert.Equal(4, error.Line);
        Assert.Contains("outside wireguard.ipv4Subnet", error.Message);
    }

    [Fact]
    public void A_value_the_ini_file_cannot_hold_is_refused()
    {
        var conversion = UciConfig.ToIni("config main\n\toption name 'a ;b'\n", "/etc/config/mnigs");

        Assert.Contains(conversion.Errors, e => e.Line == 2 && e.Message.Contains("comment", StringComparison.Ordinal));
    }

    [Fact]
    public void The_config_the_openwrt_package_installs_converts_and_loads()
    {
        var config = Load(RepositoryFiles.Read("packaging/openwrt/mnigs/files/mnigs.config"));

        // On flash, so the node keeps its identity and a gateway its sessions across reboots (/var is a tmpfs there).
        Assert.Equal("/etc/mnigs", config.StateDir);
        Assert.True(config.BabelEnabled);
        Assert.False(config.GatewayEnabled);
    }
}

using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Mnigs.Networks;
using Mnigs.Networks.BatmanAdv;
using Mnigs.Platform;
using Mnigs.Tests.Platform;
using static Mnigs.Tests.Networks.BatmanAdv.BatmanAdvFixtures;

namespace Mnigs.Tests.Networks.BatmanAdv;

public class BatmanAdvAdapterTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    private static BatmanAdvAdapter Adapter(ICommandRunner runner, BatmanAdvOptions? options = null) =>
        new(options ?? Options(), runner, NullLogger<BatmanAdvAdapter>.Instance);

    private static IPAddress[] Ips(params string[] addresses) => [.. addresses.Select(IPAddress.Parse)];

    [Fact]
    public void Network_id_is_batman_adv() => Assert.Equal("batman-adv", Adapter(Mesh()).Name);

    [Fact]
    public async Task Check_describes_the_mesh_and_counts_the_nodes_without_a_known_IP()
    {
        var health = await Adapter(Mesh()).CheckAsync(None);

        Assert.True(health.Available, health.Message);
        Assert.Equal("batman-adv (BATMAN_IV) on bat0 over eth1, eth2, address 10.99.0.1, fd99::1; "
            + "4 originators, 3 with a known IP address, 1 not yet in bat0's neighbour table; 2 gateways", health.Message);
    }

    [Fact]
    public async Task Check_names_batman_v_when_the_tables_carry_throughput()
    {
        var health = await Adapter(Mesh("v")).CheckAsync(None);

        Assert.True(health.Available, health.Message);
        Assert.StartsWith("batman-adv (BATMAN_V) on bat0 over eth1, eth2", health.Message);
    }

    [Fact]
    public async Task My_addresses_are_the_global_addresses_of_bat0()
    {
        Assert.Equal(Ips("10.99.0.1", "fd99::1"), await Adapter(Mesh()).MyAddressesAsync(None));
    }

    [Fact]
    public async Task Neighbours_are_batctls_neighbours_by_the_IP_addresses_bat0_has_seen_them_use()
    {
        var neighbours = await Adapter(Mesh()).NeighboursAsync(None);

        // B by its bat0 MAC (and the laptop it bridges), C by its bat0 MAC; C's second interface adds nothing.
        Assert.Equal(
            [new Neighbour(IPAddress.Parse("10.99.0.2"), "eth1", null), new Neighbour(IPAddress.Parse("10.99.0.66"), "eth1", null),
             new Neighbour(IPAddress.Parse("fd99::2"), "eth1", null), new Neighbour(IPAddress.Parse("10.99.0.3"), "eth2", null)],
            neighbours);
        Assert.Equal(Ips("10.99.0.2", "10.99.0.66", "fd99::2", "10.99.0.3"), await Adapter(Mesh()).NeighbourHostsAsync(None));
    }

    [Fact]
    public async Task Reachable_hosts_are_the_originators_with_a_known_IP_best_reached_first()
    {
        var hosts = await Adapter(Mesh()).ReachableHostsAsync(None);

        // B (TQ 251), C (240), D (221, its bat0 MAC is its originator address); E (199) has no known IP;
        // 10.99.0.88's MAC belongs to no node; the failed and link-local entries are left out.
        Assert.Equal(Ips("10.99.0.2", "10.99.0.66", "fd99::2", "10.99.0.3", "10.99.0.4"), hosts);
    }

    [Fact]
    public async Task Batman_v_gives_the_same_hosts_in_its_own_order()
    {
        var hosts = await Adapter(Mesh("v")).ReachableHostsAsync(None);

        Assert.Equal(Ips("10.99.0.2", "10.99.0.66", "fd99::2", "10.99.0.3", "10.99.0.4"), hosts);
    }

    [Fact]
    public async Task Gateways_are_unmanaged_IPv4_exits_from_their_IP_when_it_is_known()
    {
        var hints = await Adapter(Mesh()).ExitHintsAsync(None);

        Assert.Equal(
            [new ExitHint("0.0.0.0/0", null, IPAddress.Parse("10.99.0.4"), "bat0", null), new ExitHint("0.0.0.0/0", null, null, "bat0", null)],
            hints);
    }

    [Fact]
    public async Task The_gateway_list_keeps_the_bandwidth_each_gateway_announces()
    {
        var gateways = await Adapter(Mesh()).GatewaysAsync(None);

        Assert.Equal([(D, "50.0/10.0 Mbit/s", true), (E, "10.0/2.0 Mbit/s", false)],
            gateways.Select(g => (g.Originator.ToString(), g.Bandwidth, g.Best)));
    }

    [Fact]
    public async Task Another_nodes_neighbours_are_not_known_here()
    {
        Assert.Null(await Adapter(Mesh()).NeighboursOfAsync(IPAddress.Parse("10.99.0.2"), None));
    }

    [Fact]
    public async Task One_reading_is_seven_read_only_commands_and_a_burst_of_questions_shares_it()
    {
        var runner = Mesh();
        var adapter = Adapter(runner);

        await adapter.CheckAsync(None);
        await adapter.MyAddressesAsync(None);
        await adapter.ReachableHostsAsync(None);
        await adapter.NeighbourHostsAsync(None);
        await adapter.ExitHintsAsync(None);

        Assert.Equal(Reading, runner.CommandLines);
    }

    [Fact]
    public async Task Commands_run_with_the_configured_interface_and_timeout()
    {
        var runner = Mesh();

        await Adapter(runner, Options() with { Timeout = TimeSpan.FromMilliseconds(1500) }).CheckAsync(None);

        Assert.All(runner.Calls, c => Assert.Equal(TimeSpan.FromMilliseconds(1500), c.Timeout));
    }

    // ---- health ----

    [Fact]
    public async Task Without_batctl_check_says_how_to_install_it_and_runs_nothing()
    {
        var runner = Mesh();
        runner.Programs.Remove("batctl");

        var health = await Adapter(runner).CheckAsync(None);

        Assert.False(health.Available);
        Assert.Equal("batctl is not installed (apt-get install batctl)", health.Message);
        Assert.Empty(runner.Calls);
    }

    [Fact]
    public async Task Without_batctl_and_without_the_module_check_says_both()
    {
        var runner = NoModule();
        runner.Programs.Remove("batctl");

        var health = await Adapter(runner, Options(module: MissingModule)).CheckAsync(None);

        Assert.Equal("batctl is not installed (apt-get install batctl), and this kernel has no batman-adv module (modprobe batman-adv)", health.Message);
    }

    [Fact]
    public async Task Without_the_module_check_says_so_plainly()
    {
        var runner = NoModule();

        var health = await Adapter(runner, Options(module: MissingModule)).CheckAsync(None);

        Assert.False(health.Available);
        Assert.Equal("this kernel has no batman-adv module (modprobe batman-adv)", health.Message);
    }

    [Fact]
    public async Task Without_the_module_and_without_sysfs_batctls_own_words_tell()
    {
        // What batctl 2023.0 printed here: "interface" blames the module, the tables blame bat0.
        var runner = NoModule();

        var health = await Adapter(runner, Options(module: HiddenModule)).CheckAsync(None);

        Assert.False(health.Available);
        Assert.Equal("this kernel has no batman-adv module (modprobe batman-adv)", health.Message);
    }

    [Fact]
    public async Task The_tables_error_without_the_module_is_read_as_the_module_missing_too()
    {
        // A host where "interface" answers but the module went away before the tables were read.
        var runner = NoModule().Answer($"{Batctl} meshif bat0 interface", Read("iv.interface.txt"))
            .Answer("ip -j address show dev bat0", Read("ip-address.json"));

        var e = await Assert.ThrowsAsync<BatctlException>(() => Adapter(runner, Options(module: MissingModule)).MeshAsync(None));

        Assert.Equal("this kernel has no batman-adv module (modprobe batman-adv)", e.Message);
    }

    [Fact]
    public async Task Without_bat0_check_says_how_to_create_it()
    {
        // batctl 2023.0's "interface" fails silently when the module is loaded but the interface is missing.
        var runner = Mesh()
            .Answer($"{Batctl} meshif bat0 interface", CommandResult.Fail(1, ""))
            .Answer("ip -j address show dev bat0", CommandResult.Fail(1, "Device \"bat0\" does not exist.\n"));

        var health = await Adapter(runner).CheckAsync(None);

        Assert.False(health.Available);
        Assert.Equal("bat0 does not exist: batctl meshif bat0 interface add <interface> creates it with its first hard interface", health.Message);
    }

    [Fact]
    public async Task A_mesh_interface_that_is_not_batman_adv_is_named()
    {
        var runner = Mesh();
        runner.Answer($"{Batctl} meshif eth0 interface", CommandResult.Fail(1, ""))
            .Answer("ip -j address show dev eth0", Read("ip-address.json").Replace("bat0", "eth0", StringComparison.Ordinal));

        var health = await Adapter(runner, Options(mesh: "eth0")).CheckAsync(None);

        Assert.Equal("eth0 is not a batman-adv interface (see batman-adv.meshInterface)", health.Message);
    }

    [Fact]
    public async Task Bat0_without_hard_interfaces_is_not_a_mesh_yet()
    {
        var runner = Mesh().Answer($"{Batctl} meshif bat0 interface", "");

        var health = await Adapter(runner).CheckAsync(None);

        Assert.Equal("bat0 has no hard interface: add one with batctl meshif bat0 interface add <interface>", health.Message);
    }

    [Fact]
    public async Task Bat0_whose_hard_interfaces_are_all_inactive_says_which()
    {
        var runner = Mesh().Answer($"{Batctl} meshif bat0 interface", "eth1: inactive\neth2: inactive\n");

        var health = await Adapter(runner).CheckAsync(None);

        Assert.Equal("bat0's hard interfaces are all inactive (eth1, eth2): bring one up with ip link set <interface> up", health.Message);
    }

    [Fact]
    public async Task Bat0_without_an_IP_address_cannot_carry_Mnigs()
    {
        var runner = Mesh().Answer("ip -j address show dev bat0",
            """[{"ifindex":7,"ifname":"bat0","flags":["BROADCAST","MULTICAST","UP","LOWER_UP"],"mtu":1500,"address":"4e:3a:10:00:00:01","addr_info":[{"family":"inet6","local":"fe80::4c3a:10ff:fe00:1","prefixlen":64,"scope":"link"}]}]""");

        var health = await Adapter(runner).CheckAsync(None);

        Assert.False(health.Available);
        Assert.Equal("bat0 has no IP address: give it this node's mesh address (ip address add <address>/<prefix length> dev bat0)", health.Message);
    }

    [Fact]
    public async Task Bat0_that_is_down_says_so()
    {
        var runner = Mesh().Answer("ip -j address show dev bat0", Read("ip-address.json").Replace("\"UP\",", "", StringComparison.Ordinal));

        var health = await Adapter(runner).CheckAsync(None);

        Assert.Equal("bat0 is down: ip link set bat0 up", health.Message);
    }

    [Fact]
    public async Task Queries_throw_the_check_message_as_an_IOException()
    {
        var runner = NoModule();
        var adapter = Adapter(runner, Options(module: MissingModule));

        var e = await Assert.ThrowsAnyAsync<IOException>(() => adapter.ReachableHostsAsync(None));

        Assert.IsType<BatctlException>(e);
        Assert.Equal("this kernel has no batman-adv module (modprobe batman-adv)", e.Message);
    }

    [Fact]
    public async Task A_failed_reading_is_not_cached()
    {
        var runner = Mesh().Answer($"{Batctl} meshif bat0 interface", CommandResult.Fail(1, "Error - you must be root to run 'batctl' !\n"),
            CommandResult.Output(Read("iv.interface.txt")));
        var adapter = Adapter(runner);

        var first = await adapter.CheckAsync(None);
        var second = await adapter.CheckAsync(None);

        Assert.Equal($"'{Batctl} meshif bat0 interface' failed with exit code 1: Error - you must be root to run 'batctl' !", first.Message);
        Assert.True(second.Available, second.Message);
    }

    [Fact]
    public async Task A_batctl_that_hangs_is_reported_by_its_command()
    {
        var runner = new HangingRunner(Mesh(), $"{Batctl} meshif bat0 gateways -n -H");

        var health = await Adapter(runner).CheckAsync(None);

        Assert.Equal($"'{Batctl} meshif bat0 gateways -n -H' did not answer within 1 s", health.Message);
    }

    [Fact]
    public async Task A_batctl_older_than_2019_3_is_asked_with_m()
    {
        var runner = Mesh().Answer($"{Batctl} meshif bat0 interface",
            CommandResult.Fail(1, "Error - no valid command or debug table specified: meshif\nUsage: batctl [options] command|debug table [parameters]\n"));
        runner.Answer($"{Batctl} -m bat0 interface", Read("iv.interface.txt"))
            .Answer($"{Batctl} -m bat0 originators -n -H", Read("iv.originators.txt"))
            .Answer($"{Batctl} -m bat0 neighbors -n -H", Read("iv.neighbors.txt"))
            .Answer($"{Batctl} -m bat0 gateways -n -H", Read("iv.gateways.txt"))
            .Answer($"{Batctl} -m bat0 transglobal -n -H -u", Read("iv.transglobal.txt"));

        var health = await Adapter(runner).CheckAsync(None);

        Assert.True(health.Available, health.Message);
        Assert.Equal($"{Batctl} -m bat0 originators -n -H", runner.CommandLines[3]);
    }

    [Fact]
    public async Task A_reading_with_lines_of_another_format_keeps_the_lines_it_can_read()
    {
        var runner = Mesh().Answer($"{Batctl} meshif bat0 originators -n -H", "something new\n" + Read("iv.originators.txt"));

        var health = await Adapter(runner).CheckAsync(None);

        Assert.True(health.Available, health.Message);
        Assert.Contains("4 originators", health.Message);
    }

    /// <summary>Answers as the scripted host does, except that one command outlives its timeout.</summary>
    private sealed class HangingRunner(ScriptedCommandRunner inner, string hangs) : ICommandRunner
    {
        public Task<CommandResult> RunAsync(CommandRequest command, CancellationToken ct) =>
            command.ToString() == hangs
                ? throw new TimeoutException($"'{command}' did not finish within {command.Timeout.TotalSeconds:0.#} s and was stopped")
                : inner.RunAsync(command, ct);

        public string? FindProgram(string program) => inner.FindProgram(program);
    }
}

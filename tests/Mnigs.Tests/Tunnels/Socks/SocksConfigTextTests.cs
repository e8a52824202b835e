using System.Net;
using Mnigs.Tunnels.Socks;

namespace Mnigs.Tests.Tunnels.Socks;

/// <summary>The files danted and redsocks read, exactly: first-match rules, so order is behaviour.</summary>
public sealed class SocksConfigTextTests
{
    [Fact]
    public void Danted_conf_admits_the_sessions_to_the_internet_only_and_blocks_everything_else()
    {
        var text = DanteConfig.Render([IPAddress.Parse("10.77.0.3")], 1080, "gw-up0", [IPAddress.Parse("10.77.0.1"), IPAddress.Parse("10.77.0.2")]);

        Assert.Equal("""
            # written by mnigs: the socks tunnel's SOCKS server, rewritten as sessions come and go
            logoutput: stderr
            internal: 10.77.0.3 port = 1080
            external: gw-up0
            clientmethod: none
            socksmethod: none
            user.privileged: root
            user.unprivileged: nobody
            client pass { from: 10.77.0.1/32 to: 0.0.0.0/0 log: error }
            client pass { from: 10.77.0.2/32 to: 0.0.0.0/0 log: error }
            client block { from: 0.0.0.0/0 to: 0.0.0.0/0 log: connect }
            socks block { from: 0.0.0.0/0 to: 127.0.0.0/8 log: connect }
            socks block { from: 0.0.0.0/0 to: 10.77.0.3/32 log: connect }
            socks pass {
            	from: 10.77.0.1/32 to: 0.0.0.0/0
            	command: connect
            	log: error
            }
            socks pass {
            	from: 10.77.0.2/32 to: 0.0.0.0/0
            	command: connect
            	log: error
            }
            socks block { from: 0.0.0.0/0 to: 0.0.0.0/0 log: connect }

            """, text);
    }

    [Fact]
    public void Danted_conf_refuses_what_would_not_work_or_could_inject_lines()
    {
        Assert.Throws<ArgumentException>(() => DanteConfig.Render([], 1080, "up0", []));
        Assert.Throws<ArgumentException>(() => DanteConfig.Render([IPAddress.Parse("fd77::3")], 1080, "up0", []));
        Assert.Throws<ArgumentException>(() => DanteConfig.Render([IPAddress.Parse("10.77.0.3")], 1080, "up0", [IPAddress.Parse("fd77::1")]));
        Assert.Throws<ArgumentException>(() => DanteConfig.Render([IPAddress.Parse("10.77.0.3")], 1080, "up0\nclient pass", []));
        Assert.Throws<ArgumentOutOfRangeException>(() => DanteConfig.Render([IPAddress.Parse("10.77.0.3")], 0, "up0", []));
    }

    [Fact]
    public void Redsocks_conf_takes_the_redirected_tcp_and_dns_on_one_local_port_to_the_gateway()
    {
        var text = RedsocksConfig.Render(12380, IPAddress.Parse("10.77.0.3"), 1080);

        Assert.Equal("""
            // written by mnigs: one socks connection's redsocks
            base {
            	log_debug = off;
            	log_info = off;
            	log = stderr;
            	daemon = off;
            	redirector = iptables;
            }
            redsocks {
            	local_ip = 127.0.0.1;
            	local_port = 12380;
            	ip = 10.77.0.3;
            	port = 1080;
            	type = socks5;
            }
            dnstc {
            	local_ip = 127.0.0.1;
            	local_port = 12380;
            }

            """, text);
    }

    [Fact]
    public void Redsocks_conf_needs_an_IPv4_gateway()
    {
        Assert.Throws<ArgumentException>(() => RedsocksConfig.Render(12380, IPAddress.Parse("fd77::3"), 1080));
        Assert.Throws<ArgumentOutOfRangeException>(() => RedsocksConfig.Render(70000, IPAddress.Parse("10.77.0.3"), 1080));
    }

    [Fact]
    public void Listeners_are_read_from_proc_net_tcp()
    {
        // As Linux prints it on a little-endian host (as this one): 10.77.0.3:1080 and 0.0.0.0:22 listening, 127.0.0.1:12380 connected.
        const string Table = """
              sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
               0: 03004D0A:0438 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0000000000000000 100 0 0 10 0
               1: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2 1 0000000000000000 100 0 0 10 0
               2: 0100007F:305C 0100007F:C350 01 00000000:00000000 00:00000000 00000000     0        0 3 1 0000000000000000 20 4 30 10 -1
            """;
        Assert.True(TcpListeners.IsListening(new IPEndPoint(IPAddress.Parse("10.77.0.3"), 1080), Table));
        Assert.True(TcpListeners.IsListening(new IPEndPoint(IPAddress.Parse("10.1.2.3"), 22), Table));
        Assert.False(TcpListeners.IsListening(new IPEndPoint(IPAddress.Parse("10.77.0.1"), 1080), Table));
        Assert.False(TcpListeners.IsListening(new IPEndPoint(IPAddress.Loopback, 12380), Table));
        Assert.False(TcpListeners.IsListening(new IPEndPoint(IPAddress.Parse("fd77::3"), 1080), Table));
    }
}

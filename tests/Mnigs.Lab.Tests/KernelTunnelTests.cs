using Microsoft.Extensions.Logging.Abstractions;
using Mnigs.Core.Host;
using Mnigs.Lab.Tests.Platform;
using Mnigs.Platform;
using Mnigs.Tunnels.KernelTunnels;

namespace Mnigs.Lab.Tests;

/// <summary>
/// The ipip and gre tunnels on this machine's real kernel: the Linux platform must report exactly the link kinds the
/// kernel makes (this lab's kernel has none of ipip, ip_gre, ip6_tunnel, ip6_gre), and the tunnels must then say so
/// instead of offering themselves. Checked against <c>ip link add</c> itself, so the test holds on any kernel.
/// </summary>
[Collection("lab")]
public sealed class KernelTunnelTests
{
    [Fact]
    public async Task Facts_name_exactly_the_tunnel_kinds_the_kernel_makes_and_the_tunnels_follow_them()
    {
        LabPrerequisites.Require("ip");
        await using var ns = await LabNamespace.CreateAsync("ktun");
        var direct = new List<string>();
        foreach (var kind in KernelTunnelLink.Kinds)
        {
            if ((await ns.RunAsync("ip", "link", "add", "direct0", "type", kind)).Succeeded)
            {
                direct.Add(kind);
                await ns.CheckedAsync("ip", "link", "del", "direct0");
            }
        }
        var temp = Directory.CreateTempSubdirectory("mnigs-ktun-lab-");
        try
        {
            using var platform = new LinuxPlatform(ns.Runner, new PlatformOptions("lk", 5151, 5200, temp.FullName), NullLogger<LinuxPlatform>.Instance);

            var facts = await platform.ReadFactsAsync(CancellationToken.None);
            var names = new KernelTunnelNames("lk", "3fa2");
            var ipip = new KernelTunnel(new KernelTunnelOptions(KernelTunnelKind.Ipip, null, 0, names, _ => [])).Check(facts);
            var gre = new KernelTunnel(new KernelTunnelOptions(KernelTunnelKind.Gre, null, 0, names, _ => [])).Check(facts);

            Assert.Equal(direct, facts.TunnelKinds);
            Assert.Equal(direct.Contains("ipip") || direct.Contains("ip6tnl"), ipip.Available);
            Assert.Equal(direct.Contains("gre") || direct.Contains("ip6gre"), gre.Available);
            if (direct.Count == 0)
            {
                Assert.Equal("this kernel has no ipip module (modprobe ipip) and no ip6_tunnel module (modprobe ip6_tunnel); restart mnigsd after loading one", ipip.Message);
                Assert.Equal("this kernel has no ip_gre module (modprobe ip_gre) and no ip6_gre module (modprobe ip6_gre); restart mnigsd after loading one", gre.Message);
            }
            Assert.DoesNotContain("lkprobe0", await ns.CheckedAsync("ip", "-o", "link", "show"));
        }
        finally
        {
            temp.Delete(recursive: true);
        }
    }
}

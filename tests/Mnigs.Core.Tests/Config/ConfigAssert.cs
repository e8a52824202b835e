using System.Collections.Immutable;
using System.Net;
using Mnigs.Core.Config;

namespace Mnigs.Core.Tests.Config;

internal static class ConfigAssert
{
    /// <summary>Record equality, except that ImmutableArray compares by reference: lists are compared by content.</summary>
    public static void Equivalent(MnigsConfig expected, MnigsConfig actual)
    {
        Assert.Equal(expected.ScanPorts.ToArray(), actual.ScanPorts.ToArray());
        Assert.Equal(expected.AuthorizedNetworks.ToArray(), actual.AuthorizedNetworks.ToArray());
        Assert.Equal(expected.GatewayDns.ToArray(), actual.GatewayDns.ToArray());
        Assert.Equal(WithoutLists(expected), WithoutLists(actual));
    }

    private static MnigsConfig WithoutLists(MnigsConfig config) => config with
    {
        ScanPorts = ImmutableArray<int>.Empty,
        AuthorizedNetworks = ImmutableArray<IPNetwork>.Empty,
        GatewayDns = ImmutableArray<IPAddress>.Empty,
    };
}

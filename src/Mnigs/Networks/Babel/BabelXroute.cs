using System.Net;
using System.Net.Sockets;

namespace Mnigs.Networks.Babel;

/// <summary>A route this node redistributes into babel (<c>add xroute P-S prefix P from S metric M</c>).</summary>
public sealed record BabelXroute(IPNetwork Prefix, IPNetwork From, int Metric)
{
    public bool IsHostRoute => Prefix.PrefixLength == (Prefix.BaseAddress.AddressFamily == AddressFamily.InterNetwork ? 32 : 128);
}

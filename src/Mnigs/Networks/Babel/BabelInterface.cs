using System.Net;

namespace Mnigs.Networks.Babel;

/// <summary>An interface babeld runs on (<c>add interface NAME up true ipv6 LL [ipv4 A]</c>).</summary>
public sealed record BabelInterface(string Name, bool Up, IPAddress? Ipv6, IPAddress? Ipv4);

using System.Net;

namespace Mnigs.Networks.Olsr;

/// <summary>An interface olsrd runs on (<c>/interfaces</c>), whether it is up, and its OLSR address(es).</summary>
public sealed record OlsrInterface(string Name, bool Up, IReadOnlyList<IPAddress> Addresses);

using System.Net;
using Mnigs.Core.Selection;

namespace Mnigs.Subscriber.Probing;

/// <summary>
/// One echo to <c>target</c>; through <c>interfaceName</c> when given (the socket is bound to that
/// interface, so the probe leaves through it whatever the routing table prefers), otherwise along the
/// normal routes. Never throws for network trouble: a send error or no answer within the timeout is a miss.
/// </summary>
public interface IProber
{
    Task<ProbeResult> ProbeAsync(IPAddress target, string? interfaceName, TimeSpan timeout, CancellationToken ct);
}

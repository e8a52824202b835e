using System.Collections.Immutable;

namespace Mnigs.Tunnels.Forward;

/// <param name="MeshInterfaces">
/// The interfaces of the networks forward runs over ([layer2] interface, [batman-adv] meshInterface): on a gateway,
/// what arrives there for the uplink passes only from live sessions.
/// </param>
public sealed record ForwardOptions(ImmutableArray<string> MeshInterfaces);

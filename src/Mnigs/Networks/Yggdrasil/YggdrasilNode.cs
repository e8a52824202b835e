using System.Net;

namespace Mnigs.Networks.Yggdrasil;

/// <summary>
/// A node this yggdrasil knows of: an entry of <c>getDHT</c> (0.4), <c>getTree</c> (0.5, with its
/// <see cref="Parent"/>'s key), <c>getPaths</c> or <c>getSessions</c>.
/// </summary>
public sealed record YggdrasilNode(IPAddress Address, string Key, string? Parent = null);

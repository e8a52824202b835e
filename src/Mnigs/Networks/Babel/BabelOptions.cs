using System.Net;

namespace Mnigs.Networks.Babel;

/// <summary>
/// Where babeld's local interface listens (<c>babeld -g PORT</c> or <c>-G PORT</c>, always on ::1), and
/// this node's mesh address when it should not be taken from what babeld redistributes.
/// </summary>
public sealed record BabelOptions(string Host = "::1", int LocalPort = 33123, IPAddress? Address = null, TimeSpan? Timeout = null)
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(2);

    /// <summary>Limit for one conversation with babeld: connect, greeting and one request.</summary>
    public TimeSpan EffectiveTimeout => Timeout ?? DefaultTimeout;
}

namespace Mnigs.Networks.Yggdrasil;

/// <summary>
/// Where yggdrasil's admin socket is (its <c>AdminListen</c>): <c>unix:///path</c> or <c>tcp://host:port</c>,
/// and how long one request may take.
/// </summary>
public sealed record YggdrasilOptions(string AdminEndpoint = YggdrasilOptions.DefaultAdminEndpoint, TimeSpan? Timeout = null)
{
    /// <summary>yggdrasil-go's own default on Linux. (Debian's package sets /var/run/yggdrasil/yggdrasil.sock in its config.)</summary>
    public const string DefaultAdminEndpoint = "unix:///var/run/yggdrasil.sock";

    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(2);

    /// <summary>Limit for one request to the local admin socket: connect, ask, read the answer.</summary>
    public TimeSpan EffectiveTimeout => Timeout ?? DefaultTimeout;
}

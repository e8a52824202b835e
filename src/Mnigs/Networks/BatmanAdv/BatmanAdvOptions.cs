namespace Mnigs.Networks.BatmanAdv;

/// <summary>
/// Which batman-adv mesh interface to read (<c>[batman-adv] meshInterface</c>), how long one batctl or ip run may
/// take, and where the kernel shows a loaded batman-adv module.
/// </summary>
public sealed record BatmanAdvOptions(
    string MeshInterface = BatmanAdvOptions.DefaultMeshInterface,
    TimeSpan? Timeout = null,
    string ModuleDirectory = BatmanAdvOptions.DefaultModuleDirectory)
{
    public const string DefaultMeshInterface = "bat0";

    /// <summary>Present while batman-adv is loaded or built in; batctl looks for its <c>version</c> file.</summary>
    public const string DefaultModuleDirectory = "/sys/module/batman_adv";

    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(5);

    public TimeSpan EffectiveTimeout => Timeout ?? DefaultTimeout;
}

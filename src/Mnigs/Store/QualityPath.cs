using System.Runtime.CompilerServices;

namespace Mnigs.Store;

/// <summary>The path a gateway was probed over: across the mesh, or through our tunnel to it.</summary>
public static class QualityPath
{
    public const string Mesh = "mesh";
    public const string Tunnel = "tunnel";

    public static bool IsKnown(string? path) => path is Mesh or Tunnel;

    public static void ThrowIfUnknown(string? path, [CallerArgumentExpression(nameof(path))] string? paramName = null)
    {
        if (!IsKnown(path))
            throw new ArgumentException($"Quality path must be '{Mesh}' or '{Tunnel}', not '{path}'.", paramName);
    }
}

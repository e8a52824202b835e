using System.Reflection;
using System.Security.Cryptography;

namespace Mnigs.Web;

/// <summary>
/// One file of the web UI, embedded in the daemon from <c>src/Mnigs/Web/wwwroot</c> under the resource
/// name <c>ui/</c> + its path there (see Mnigs.csproj): its bytes, content type and ETag.
/// </summary>
public sealed record WebUiAsset(string Path, byte[] Content, string ContentType, string ETag)
{
    public const string ResourcePrefix = "ui/";

    /// <summary>Every embedded UI file, by its path below wwwroot (<c>index.html</c>, <c>vendor/LICENSES.md</c>).</summary>
    public static IReadOnlyDictionary<string, WebUiAsset> LoadAll(Assembly assembly)
    {
        var assets = new Dictionary<string, WebUiAsset>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var memory = new MemoryStream();
            stream.CopyTo(memory);
            var content = memory.ToArray();
            var path = name[ResourcePrefix.Length..];
            assets[path] = new WebUiAsset(path, content, ContentTypeOf(path),
                "\"" + Convert.ToHexStringLower(SHA256.HashData(content).AsSpan(0, 16)) + "\"");
        }
        return assets;
    }

    public static string ContentTypeOf(string path) =>
        System.IO.Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".html" => "text/html; charset=utf-8",
            ".js" => "text/javascript; charset=utf-8",
            ".css" => "text/css; charset=utf-8",
            ".svg" => "image/svg+xml",
            ".png" => "image/png",
            ".json" => "application/json",
            ".md" => "text/markdown; charset=utf-8",
            ".woff2" => "font/woff2",
            ".ico" => "image/x-icon",
            ".txt" => "text/plain; charset=utf-8",
            _ => "application/octet-stream",
        };
}

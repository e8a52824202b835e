using Mnigs.Lab.Tests.Mesh;

namespace Mnigs.Lab.Tests.Web;

/// <summary>An HTTP request made with curl from inside a namespace, as a mesh peer or a local program would.</summary>
public static class Curl
{
    public sealed record Response(int Status, string Headers, string Body)
    {
        /// <summary>The value of a response header (case-insensitive name), or null.</summary>
        public string? Header(string name) =>
            Headers.Split('\n').Select(l => l.TrimEnd('\r'))
                .Where(l => l.StartsWith(name + ":", StringComparison.OrdinalIgnoreCase))
                .Select(l => l[(name.Length + 1)..].Trim()).LastOrDefault();
    }

    /// <summary>GET (or POST with <paramref name="json"/>) with extra request headers ("Name: value").</summary>
    public static async Task<Response> SendAsync(string ns, string url, string? json = null, params string[] headers)
    {
        var dir = Directory.CreateTempSubdirectory("mnigs-curl-").FullName;
        try
        {
            var headerFile = Path.Combine(dir, "headers");
            var bodyFile = Path.Combine(dir, "body");
            List<string> args = ["-sS", "--max-time", "10", "-D", headerFile, "-o", bodyFile, "-w", "%{http_code}"];
            foreach (var h in headers)
                args.AddRange(["-H", h]);
            if (json is not null)
                args.AddRange(["-H", "Content-Type: application/json", "--data-binary", json]);
            args.Add(url);
            var r = await Shell.InNamespaceAsync(ns, "curl", [.. args]);
            if (r.ExitCode != 0)
                throw new InvalidOperationException($"curl {url} from {ns} failed: {r.All}");
            return new Response(int.Parse(r.Stdout.Trim()), await File.ReadAllTextAsync(headerFile), await File.ReadAllTextAsync(bodyFile));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}

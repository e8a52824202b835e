using System.Globalization;
using System.Net;
using System.Text.Json;

namespace Mnigs.Networks.Cjdns;

/// <summary>
/// Reads the admin interface's address and password from a cjdroute.conf: JSON with // and /* */ comments
/// (as <c>cjdroute --genconf</c> writes it) and, in hand-edited files, trailing commas, which System.Text.Json
/// skips and allows when asked. Only <c>admin.bind</c> and <c>admin.password</c> are read. An admin interface
/// bound to every address (0.0.0.0 or ::) is reached on loopback.
/// </summary>
public static class CjdrouteConf
{
    /// <summary>A genconf file is about 10 KiB; a file far larger is not a cjdroute.conf.</summary>
    private const long MaxBytes = 1 << 20;

    private static readonly JsonDocumentOptions Lenient = new()
    {
        CommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        MaxDepth = 64,
    };

    public static CjdnsAdminEndpoint Read(string path)
    {
        string text;
        try
        {
            var info = new FileInfo(path);
            if (info.Exists && info.Length > MaxBytes)
                throw new CjdnsAdminException($"{path} is {info.Length} bytes: too large for a cjdroute.conf");
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new CjdnsAdminException($"cjdroute's config {path} does not exist (set [cjdns] config to the file cjdroute runs with)", e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new CjdnsAdminException($"no permission to read cjdroute's config {path}", e);
        }
        catch (IOException e) when (e is not CjdnsAdminException)
        {
            throw new CjdnsAdminException($"cannot read cjdroute's config {path}: {e.Message}", e);
        }
        return Parse(text, path);
    }

    /// <summary>The admin endpoint a cjdroute.conf's text describes; <paramref name="path"/> is for messages.</summary>
    public static CjdnsAdminEndpoint Parse(string text, string path)
    {
        JsonDocument json;
        try
        {
            json = JsonDocument.Parse(text, Lenient);
        }
        catch (JsonException e)
        {
            throw new CjdnsAdminException($"{path} is not a cjdroute.conf Mnigs can read: {e.Message}", e);
        }
        using (json)
        {
            if (json.RootElement.ValueKind != JsonValueKind.Object
                || !json.RootElement.TryGetProperty("admin", out var admin) || admin.ValueKind != JsonValueKind.Object)
                throw new CjdnsAdminException($"{path} has no \"admin\" section: cjdroute needs one with \"bind\" and \"password\"");
            if (!admin.TryGetProperty("bind", out var bindElement) || bindElement.ValueKind != JsonValueKind.String)
                throw new CjdnsAdminException($"{path} has no admin.bind: cjdroute does not start without it");
            var bind = bindElement.GetString()!;
            if (!TryParseBind(bind, out var address, out var port))
                throw new CjdnsAdminException($"admin.bind \"{bind}\" in {path} is not an address and port such as 127.0.0.1:11234");
            // Without a password cjdroute makes up a random one that nobody knows.
            if (!admin.TryGetProperty("password", out var passwordElement) || passwordElement.ValueKind != JsonValueKind.String)
                throw new CjdnsAdminException($"{path} has no admin.password: cjdroute then uses a random one and nobody can use its admin interface");
            return new CjdnsAdminEndpoint(address, port, passwordElement.GetString()!, path);
        }
    }

    /// <summary><c>127.0.0.1:11234</c> or <c>[::1]:11234</c>, as cjdroute takes it; the unspecified address means loopback.</summary>
    public static bool TryParseBind(string bind, out IPAddress address, out int port)
    {
        address = IPAddress.Loopback;
        port = 0;
        string host, portText;
        var family = System.Net.Sockets.AddressFamily.InterNetworkV6;
        if (bind.StartsWith('['))
        {
            var end = bind.IndexOf("]:", StringComparison.Ordinal);
            if (end < 0)
                return false;
            (host, portText) = (bind[1..end], bind[(end + 2)..]);
        }
        else
        {
            var colon = bind.IndexOf(':');
            if (colon < 0 || colon != bind.LastIndexOf(':'))
                return false;
            (host, portText) = (bind[..colon], bind[(colon + 1)..]);
            family = System.Net.Sockets.AddressFamily.InterNetwork;
            // IPAddress would take "10" for 0.0.0.10.
            if (host.Split('.').Length != 4)
                return false;
        }
        if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535
            || host.Contains('%') || !IPAddress.TryParse(host, out var parsed) || parsed.AddressFamily != family)
        {
            port = 0;
            return false;
        }
        address = parsed.Equals(IPAddress.Any) ? IPAddress.Loopback
            : parsed.Equals(IPAddress.IPv6Any) ? IPAddress.IPv6Loopback
            : parsed;
        return true;
    }
}

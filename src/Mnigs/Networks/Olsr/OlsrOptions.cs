namespace Mnigs.Networks.Olsr;

/// <summary>
/// Where olsrd's jsoninfo plugin answers (<c>http://host:port</c>, its <c>port</c> parameter, 9090 by default),
/// and how long one request may take.
/// </summary>
public sealed record OlsrOptions(string JsonInfo = OlsrOptions.DefaultJsonInfo, TimeSpan? Timeout = null)
{
    public const string DefaultJsonInfo = "http://127.0.0.1:9090";

    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(2);

    /// <summary>Limit for one request: connect, ask, read the whole answer.</summary>
    public TimeSpan EffectiveTimeout => Timeout ?? DefaultTimeout;

    /// <summary>The base URL as a <see cref="Uri"/> without a trailing slash, or why it is not one olsrd could answer on.</summary>
    public static bool TryParseUrl(string text, out Uri url, out string error)
    {
        url = null!;
        error = "";
        if (!Uri.TryCreate(text.Trim(), UriKind.Absolute, out var parsed) || parsed.Scheme != Uri.UriSchemeHttp
            || parsed.UserInfo.Length > 0 || parsed.Query.Length > 0 || parsed.Fragment.Length > 0 || text.Any(char.IsControl))
        {
            error = $"[olsr] jsoninfo must be an http:// URL such as {DefaultJsonInfo}, not \"{text}\"";
            return false;
        }
        url = new Uri(parsed.GetLeftPart(UriPartial.Path).TrimEnd('/'));
        return true;
    }
}

namespace Mnigs.Networks.Cjdns;

/// <summary>cjdroute's admin interface could not answer, refused, or answered with an error; the message says why in an operator's words.</summary>
public sealed class CjdnsAdminException : IOException
{
    public CjdnsAdminException(string message)
        : base(message)
    {
    }

    public CjdnsAdminException(string message, Exception inner)
        : base(message, inner)
    {
    }

    /// <summary>The <c>error</c> cjdroute answered (e.g. <c>not_found</c>), when it answered one.</summary>
    public string? CjdnsError { get; init; }

    /// <summary>cjdroute has no such admin function (another cjdns version).</summary>
    public bool UnknownFunction { get; init; }

    /// <summary>cjdroute answered "Auth failed.": the password is wrong (or the cookie was stale).</summary>
    public bool PasswordRefused { get; init; }
}

namespace Mnigs.Platform;

/// <summary>
/// One program run: arguments go to the program as they are (never through a shell). Secrets travel
/// only in <see cref="Stdin"/>, which is never logged; <see cref="Secrets"/> lists them so they can be
/// blanked out of anything the program echoes back.
/// </summary>
public sealed record CommandRequest(string Program, IReadOnlyList<string> Arguments)
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    public string? Stdin { get; init; }

    public TimeSpan Timeout { get; init; } = DefaultTimeout;

    public IReadOnlyList<string> Secrets { get; init; } = [];

    public static CommandRequest Of(string program, params string[] arguments) => new(program, arguments);

    /// <summary>The command line as a person would type it; safe to log (stdin is not part of it).</summary>
    public override string ToString() =>
        string.Join(' ', Arguments.Prepend(Program).Select(Quote));

    private static string Quote(string word) =>
        word.Length > 0 && !word.Any(c => char.IsWhiteSpace(c) || c is '"' or '\'' or '\\' or '$' or ';' or '|' or '&')
            ? word
            : "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    /// <summary><paramref name="text"/> with every secret of this command blanked out.</summary>
    public string Redact(string text)
    {
        foreach (var secret in Secrets)
        {
            if (!string.IsNullOrEmpty(secret))
                text = text.Replace(secret, "[redacted]", StringComparison.Ordinal);
        }
        return text;
    }
}

using System.Security.Cryptography;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Mnigs.Tunnels.SoftEther;

/// <summary>
/// One session's user on the gateway's hub: a random name and a random password (128 bits), made when the session is
/// admitted and kept with it, so a restarted gateway can create the user again. <see cref="Password"/> is a secret:
/// it goes only into the reply to the subscriber, the store and vpncmd's batch file, never into a log.
/// </summary>
public sealed partial record SoftEtherAccount(string User, string Password)
{
    public static SoftEtherAccount Create() =>
        new("s" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)), Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)));

    public JsonObject ToState() => new() { ["user"] = User, ["password"] = Password };

    /// <summary>The account kept with a session, or in a gateway's reply; null when either part is missing or not of Mnigs' shape (it goes into vpncmd commands).</summary>
    public static SoftEtherAccount? From(JsonObject? state) =>
        state?["user"] is JsonValue u && u.TryGetValue<string>(out var user) && IsUserName(user)
        && state["password"] is JsonValue p && p.TryGetValue<string>(out var password) && PasswordShape().IsMatch(password)
            ? new SoftEtherAccount(user, password)
            : null;

    public static bool IsUserName(string user) => UserShape().IsMatch(user);

    public override string ToString() => User;

    [GeneratedRegex("^s[0-9a-f]{16}$")]
    private static partial Regex UserShape();

    [GeneratedRegex("^[0-9a-f]{32}$")]
    private static partial Regex PasswordShape();
}

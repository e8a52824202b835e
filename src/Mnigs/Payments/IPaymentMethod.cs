using System.Net;
using System.Text.Json.Nodes;
using Mnigs.Core.Gateway;
using Mnigs.Core.Host;

namespace Mnigs.Payments;

/// <summary>
/// Decides whether a session may pass traffic, and until when. The gateway asks it when a session opens
/// (<see cref="Open"/>), whenever it applies the host (<see cref="Gate"/>: what the kernel enforces) and
/// when it answers the subscriber (<see cref="Describe"/>). The defaults are those of a method that lets
/// every session pass for its whole lease (<c>free</c>).
/// </summary>
public interface IPaymentMethod
{
    /// <summary>Payment id as used in suite ids, e.g. <c>free</c>.</summary>
    string Name { get; }

    /// <summary>The <c>payment</c> object of the requestConnection reply: method and state.</summary>
    PaymentState Open();

    /// <summary>
    /// Called once a new session is stored: what it takes over from an earlier session of the same subscriber (a
    /// voucher with time or data left). Its payment state then, or null when nothing changed.
    /// </summary>
    Task<string?> ResumeAsync(GatewaySession session, CancellationToken ct) => Task.FromResult<string?>(null);

    /// <summary>The session's payment state now (<see cref="PaymentState.State"/>), which may change after it opened (a voucher redeemed, a quota used up).</summary>
    string StateOf(GatewaySession session) => Open().State;

    /// <summary>The <c>payment</c> object of the requestConnection and renewConnection replies; <paramref name="local"/> is the gateway address the subscriber reached.</summary>
    JsonObject Describe(GatewaySession session, IPAddress local) => new() { ["method"] = Name, ["state"] = StateOf(session) };

    /// <summary>What the kernel must enforce for <paramref name="sessions"/> (all of this method): nothing unless the method holds sessions back.</summary>
    PaymentFirewall Gate(IReadOnlyList<GatewaySession> sessions) => PaymentFirewall.None;
}

/// <param name="MayPass">Whether the session may reach the Internet.</param>
public sealed record PaymentState(string Method, string State, bool MayPass);

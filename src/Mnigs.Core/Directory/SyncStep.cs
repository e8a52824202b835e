using System.Text.Json.Nodes;

namespace Mnigs.Core.Directory;

/// <summary>
/// One turn of a directory exchange: the message to send next (null when the exchange is over),
/// how many received records the book took in or refused, and a plain error when the peer's
/// message could not be read.
/// </summary>
public readonly record struct SyncStep(JsonObject? Next, int Accepted = 0, int Refused = 0, string? Error = null)
{
    public bool Done => Next is null;

    public static SyncStep Failed(string error) => new(null, Error: error);
}

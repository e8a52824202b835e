namespace Mnigs.Core.Directory;

/// <summary>The five messages of a directory exchange, in the order they can occur (see <see cref="DirectorySync"/>).</summary>
public enum SyncMessageKind
{
    /// <summary>Initiator → responder: <c>{"summary":"…"}</c>.</summary>
    Hello,

    /// <summary>Responder → initiator: <c>{"inSync":true}</c>; the exchange is over.</summary>
    InSync,

    /// <summary>Responder → initiator: <c>{"digest":{"&lt;nodeId&gt;":&lt;sequence&gt;,…}}</c>, maybe a window of it.</summary>
    Digest,

    /// <summary>Initiator → responder: <c>{"records":[…],"want":["&lt;nodeId&gt;",…]}</c>.</summary>
    Offer,

    /// <summary>Responder → initiator: <c>{"records":[…]}</c>; the exchange is over.</summary>
    Records,
}

namespace Mnigs.Core.Directory;

/// <summary>Why the directory refused a record. Each is counted in <see cref="DirectoryBook.Rejections"/>.</summary>
public enum RecordRejection
{
    /// <summary>The signature is not the node key's over these fields (forged, altered, or signed by another key).</summary>
    BadSignature,

    /// <summary>The node id is not the canonical base64url of a 32-byte key.</summary>
    BadNodeId,

    /// <summary>Its expiry has passed.</summary>
    Expired,

    /// <summary>Issued in the future, or valid for longer than the book's maximum lifetime (beyond the clock skew allowed).</summary>
    TooFarInFuture,

    /// <summary>Larger than a record may be: bytes, string lengths or list counts.</summary>
    Oversized,

    /// <summary>Not a record: a wrong type, a missing, unknown or repeated property, a value out of range.</summary>
    Malformed,

    /// <summary>The book holds as many nodes as it may, and this one is new.</summary>
    BookFull,
}

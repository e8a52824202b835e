namespace Mnigs.Networks.Layer2;

/// <summary>The segment's interface cannot be read or used; the message says why in words an operator acts on.</summary>
public sealed class SegmentException(string message) : IOException(message);

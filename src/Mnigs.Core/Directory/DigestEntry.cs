namespace Mnigs.Core.Directory;

/// <summary>One line of a directory digest: a node and the sequence of the record held for it.</summary>
public readonly record struct DigestEntry(string NodeId, long Sequence);

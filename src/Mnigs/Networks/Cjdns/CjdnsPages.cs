namespace Mnigs.Networks.Cjdns;

/// <summary>The items of a paged admin call; <see cref="Truncated"/> when cjdroute had more than was fetched.</summary>
public sealed record CjdnsPages(IReadOnlyList<BencValue> Items, bool Truncated, int Pages);

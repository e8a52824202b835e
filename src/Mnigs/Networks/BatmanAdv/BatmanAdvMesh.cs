using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Mnigs.Networks.BatmanAdv;

/// <summary>
/// One reading of a batman-adv mesh, and the answer to the question layer 2 leaves open: which IP addresses
/// belong to which node. batman-adv knows nodes by their originator address (the MAC of their primary hard
/// interface); IP lives on bat0, whose MAC is usually another one. So an IP neighbour on bat0 (from the kernel's
/// neighbour table) belongs to a node when its MAC is that node's originator address or a client the node
/// announces in the global translation table (every node announces its own bat0 MAC there).
/// A node none of whose addresses this host has talked to yet has no known IP.
/// </summary>
public sealed class BatmanAdvMesh
{
    private readonly Dictionary<MacAddress, List<IPAddress>> _addressesByNode = [];

    internal BatmanAdvMesh(
        string meshInterface,
        bool up,
        IReadOnlyList<IPAddress> myAddresses,
        IReadOnlyList<BatmanAdvHardInterface> hardInterfaces,
        IReadOnlyList<BatmanAdvOriginator> originators,
        IReadOnlyList<BatmanAdvNeighbour> neighbours,
        IReadOnlyList<BatmanAdvGateway> gateways,
        IReadOnlyList<BatmanAdvTranslation> translations,
        IReadOnlyList<(IPAddress Address, MacAddress Mac)> ipNeighbours)
    {
        MeshInterface = meshInterface;
        Up = up;
        MyAddresses = myAddresses;
        HardInterfaces = hardInterfaces;
        Originators = originators;
        Neighbours = neighbours;
        Gateways = gateways;
        Translations = translations;

        // Nodes best reached first: the line batman-adv routes by, by its quality.
        Nodes = [.. originators
            .GroupBy(o => o.Originator)
            .Select(g => g.OrderByDescending(o => o.Best).ThenByDescending(Quality).First())
            .OrderByDescending(Quality)
            .ThenBy(o => o.Originator.Value)
            .Select(o => o.Originator)];
        var nodes = Nodes.ToHashSet();
        var announcedBy = new Dictionary<MacAddress, MacAddress>();
        foreach (var t in translations.OrderByDescending(t => t.Best))
            announcedBy.TryAdd(t.Client, t.Originator);

        var mine = myAddresses.ToHashSet();
        foreach (var (address, mac) in ipNeighbours.OrderBy(n => n.Address.AddressFamily == AddressFamily.InterNetwork ? 0 : 1)
                     .ThenBy(n => n.Address.GetAddressBytes(), ByteOrder.Instance))
        {
            MacAddress? node = nodes.Contains(mac) ? mac : announcedBy.TryGetValue(mac, out var by) && nodes.Contains(by) ? by : null;
            if (node is not { } known || mine.Contains(address))
                continue;
            if (!_addressesByNode.TryGetValue(known, out var list))
                _addressesByNode[known] = list = [];
            if (!list.Contains(address))
                list.Add(address);
        }
    }

    public string MeshInterface { get; }

    /// <summary>Whether the mesh interface is administratively up.</summary>
    public bool Up { get; }

    /// <summary>This node's global addresses on the mesh interface.</summary>
    public IReadOnlyList<IPAddress> MyAddresses { get; }

    public IReadOnlyList<BatmanAdvHardInterface> HardInterfaces { get; }

    /// <summary>Every line of the originator table: a node once per next hop.</summary>
    public IReadOnlyList<BatmanAdvOriginator> Originators { get; }

    public IReadOnlyList<BatmanAdvNeighbour> Neighbours { get; }

    public IReadOnlyList<BatmanAdvGateway> Gateways { get; }

    public IReadOnlyList<BatmanAdvTranslation> Translations { get; }

    /// <summary>The other nodes of the mesh by originator address, best reached first.</summary>
    public IReadOnlyList<MacAddress> Nodes { get; }

    /// <summary><c>BATMAN_IV</c> or <c>BATMAN_V</c> as the originator table shows it; null while it is empty.</summary>
    public string? Algorithm =>
        Originators.FirstOrDefault() switch
        {
            { Tq: not null } => "BATMAN_IV",
            { ThroughputMbits: not null } => "BATMAN_V",
            _ => null,
        };

    /// <summary>The IP addresses of a node (by originator address), IPv4 first; empty while none is known.</summary>
    public IReadOnlyList<IPAddress> AddressesOf(MacAddress node) =>
        _addressesByNode.TryGetValue(node, out var list) ? list : [];

    /// <summary>Nodes of the originator table whose IP address this host does not know.</summary>
    public int NodesWithoutAddress => Nodes.Count(n => !_addressesByNode.ContainsKey(n));

    /// <summary>What an operator reads in <c>status</c> when the mesh works.</summary>
    public string Describe()
    {
        var over = HardInterfaces.Where(h => h.Active).Select(h => h.Name).ToList();
        var text = string.Create(CultureInfo.InvariantCulture,
            $"batman-adv{(Algorithm is { } a ? " (" + a + ")" : "")} on {MeshInterface} over {string.Join(", ", over)}, address {string.Join(", ", MyAddresses)}; ");
        var unknown = NodesWithoutAddress;
        text += Nodes.Count switch
        {
            0 => "no other node yet",
            _ => string.Create(CultureInfo.InvariantCulture, $"{Count(Nodes.Count, "originator")}, {Nodes.Count - unknown} with a known IP address")
                 + (unknown > 0 ? string.Create(CultureInfo.InvariantCulture, $", {unknown} not yet in {MeshInterface}'s neighbour table") : ""),
        };
        return text + string.Create(CultureInfo.InvariantCulture, $"; {Count(Gateways.Count, "gateway")}");
    }

    private static string Count(int n, string what) => string.Create(CultureInfo.InvariantCulture, $"{n} {what}{(n == 1 ? "" : "s")}");

    private static double Quality(BatmanAdvOriginator o) => o.Tq ?? o.ThroughputMbits ?? 0;

    private sealed class ByteOrder : IComparer<byte[]>
    {
        public static readonly ByteOrder Instance = new();

        public int Compare(byte[]? x, byte[]? y) => x.AsSpan().SequenceCompareTo(y);
    }
}

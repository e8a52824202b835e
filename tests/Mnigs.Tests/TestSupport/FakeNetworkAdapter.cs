using System.Net;
using Mnigs.Networks;

namespace Mnigs.Tests.TestSupport;

/// <summary>A routing protocol that answers from memory: available or not, with fixed addresses and hosts.</summary>
internal sealed class FakeNetworkAdapter(string name = "babel") : INetworkAdapter
{
    public string Name => name;

    public bool Available { get; set; } = true;

    public IReadOnlyList<IPAddress> Addresses { get; set; } = [IPAddress.Parse("fd00::1")];

    public IReadOnlyList<IPAddress> Hosts { get; set; } = [];

    public Task<AdapterHealth> CheckAsync(CancellationToken ct) =>
        Task.FromResult(Available ? AdapterHealth.Ok() : AdapterHealth.Unavailable($"{name} is not running"));

    public Task<IReadOnlyList<IPAddress>> MyAddressesAsync(CancellationToken ct) => Task.FromResult(Addresses);

    public Task<IReadOnlyList<Neighbour>> NeighboursAsync(CancellationToken ct) => Task.FromResult<IReadOnlyList<Neighbour>>([]);

    public Task<IReadOnlyList<IPAddress>> ReachableHostsAsync(CancellationToken ct) => Task.FromResult(Hosts);

    public Task<IReadOnlyList<ExitHint>> ExitHintsAsync(CancellationToken ct) => Task.FromResult<IReadOnlyList<ExitHint>>([]);
}

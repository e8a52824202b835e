namespace Mnigs.Tests.TestSupport;

/// <summary>An HTTP handler for code that must not reach any real host in a unit test: every call fails as unreachable.</summary>
internal sealed class NoNetworkHandler : HttpMessageHandler
{
    public int Calls { get; private set; }

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Calls++;
        throw new HttpRequestException($"no network in unit tests ({request.RequestUri})");
    }
}

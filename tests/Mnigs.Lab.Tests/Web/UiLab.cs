using Microsoft.Playwright;
using Mnigs.Lab.Tests.Mesh;
using Xunit.Abstractions;

namespace Mnigs.Lab.Tests.Web;

/// <summary>
/// The mesh the web UI tests share (built once, ~15 s): sub — rel — gwa and rel — gwb, each gateway with
/// its own internet namespace, directory sync every 2 s and no autoconnect, so the subscriber stays
/// offline until a test connects it. A headless chromium per node namespace is started on first use.
/// </summary>
public sealed class UiLab : IAsyncLifetime
{
    public const string Spec = "nodes=sub,rel,gwa,gwb links=sub-rel,rel-gwa,rel-gwb gateways=gwa,gwb";

    private readonly Dictionary<string, IBrowser> _browsers = [];
    private readonly string _workDir = Directory.CreateTempSubdirectory("mnigs-ui-").FullName;
    private IPlaywright? _playwright;
    private GraphMesh? _mesh;

    public GraphMesh Mesh => _mesh ?? throw new InvalidOperationException("the UI lab mesh is not built");

    public async Task InitializeAsync()
    {
        // Before the mesh: a machine without chromium fails at once, loudly, not after building namespaces.
        Shell.RequireLab("ip", "chromium");
        _ = NamespaceChromium.Executable;
        _mesh = await GraphMesh.StartAsync(Spec, extraConfig: _ => "[directory]\nsyncInterval = 2\n");
        try
        {
            _playwright = await NamespaceChromium.StartPlaywrightAsync();
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    /// <summary>The browser running inside <paramref name="node"/>'s namespace (started on first use).</summary>
    public async Task<IBrowser> BrowserAsync(string node)
    {
        if (_browsers.TryGetValue(node, out var browser) && browser.IsConnected)
            return browser;
        browser = await NamespaceChromium.LaunchAsync(_playwright!, Mesh[node].Namespace, _workDir);
        _browsers[node] = browser;
        return browser;
    }

    /// <summary>A new tab on <paramref name="node"/>'s UI, as a user on that node sees it.</summary>
    public async Task<UiTab> OpenAsync(string node, ITestOutputHelper output, int width = 1280, int height = 800) =>
        await UiTab.OpenAsync(await BrowserAsync(node), output, width, height);

    public async Task DisposeAsync()
    {
        foreach (var browser in _browsers.Values)
            await browser.CloseAsync();
        _browsers.Clear();
        _playwright?.Dispose();
        _playwright = null;
        if (_mesh is not null)
            await _mesh.DisposeAsync();
        _mesh = null;
        if (Directory.Exists(_workDir))
            Directory.Delete(_workDir, recursive: true);
    }
}

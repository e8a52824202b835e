using Microsoft.Playwright;
using Mnigs.Lab.Tests.Mesh;
using Xunit.Abstractions;

namespace Mnigs.Lab.Tests.Web;

/// <summary>
/// One browser tab on a node's web UI (its own context: no shared storage between tests). Records every
/// console error and uncaught page error, which fail the test (<see cref="AssertNoErrors"/>), and saves
/// screenshots to artifacts/screenshots/ (and docs/screenshots/ when MNIGS_UPDATE_DOCS_SCREENSHOTS=1).
/// </summary>
public sealed class UiTab : IAsyncDisposable
{
    public const string BaseUrl = "http://127.0.0.1:65533/";

    private readonly IBrowserContext _context;
    private readonly ITestOutputHelper _output;
    private readonly List<string> _errors = [];

    private UiTab(IBrowserContext context, IPage page, ITestOutputHelper output)
    {
        _context = context;
        Page = page;
        _output = output;
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
                lock (_errors)
                    _errors.Add($"console error: {message.Text} ({message.Location})");
        };
        page.PageError += (_, error) =>
        {
            lock (_errors)
                _errors.Add($"page error: {error}");
        };
    }

    public IPage Page { get; }

    public static string ScreenshotDir => Path.Combine(Shell.RepoRoot(), "artifacts", "screenshots");

    public static string DocsScreenshotDir => Path.Combine(Shell.RepoRoot(), "docs", "screenshots");

    public static async Task<UiTab> OpenAsync(IBrowser browser, ITestOutputHelper output, int width = 1280, int height = 800)
    {
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = width, Height = height } });
        context.SetDefaultTimeout(15_000);
        Assertions.SetDefaultExpectTimeout(15_000);
        return new UiTab(context, await context.NewPageAsync(), output);
    }

    /// <summary>Opens a route (status, gateways, network, sessions, settings) and waits for its page root.</summary>
    public async Task<ILocator> GotoAsync(string route)
    {
        var url = BaseUrl + "#/" + route;
        // Only the first visit loads the document; later ones are same-document (hash) navigations without a response.
        var response = await Page.GotoAsync(url);
        if (response is { Ok: false })
            throw new InvalidOperationException($"GET {url} answered {response.Status}: {await response.TextAsync()}");
        var root = Page.GetByTestId("page-" + route);
        await Assertions.Expect(root).ToBeVisibleAsync();
        return root;
    }

    /// <summary>Saves a screenshot of the whole page as artifacts/screenshots/NAME.png; with <paramref name="docs"/> also docs/screenshots/NAME.png when asked to.</summary>
    public async Task ScreenshotAsync(string name, bool docs = false)
    {
        Directory.CreateDirectory(ScreenshotDir);
        var path = Path.Combine(ScreenshotDir, name + ".png");
        // From the top (a sticky header would otherwise be drawn where the scrolled view left it), no focus ring.
        await Page.EvaluateAsync("() => { window.scrollTo(0, 0); document.activeElement?.blur(); }");
        await Page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        _output.WriteLine($"screenshot {path}");
        if (docs && Environment.GetEnvironmentVariable("MNIGS_UPDATE_DOCS_SCREENSHOTS") == "1")
        {
            Directory.CreateDirectory(DocsScreenshotDir);
            File.Copy(path, Path.Combine(DocsScreenshotDir, name + ".png"), overwrite: true);
        }
    }

    public IReadOnlyList<string> Errors
    {
        get
        {
            lock (_errors)
                return [.. _errors];
        }
    }

    public void AssertNoErrors() =>
        Assert.True(Errors.Count == 0, "The browser reported errors:\n" + string.Join('\n', Errors));

    public async ValueTask DisposeAsync()
    {
        foreach (var error in Errors)
            _output.WriteLine(error);
        await _context.CloseAsync();
    }
}

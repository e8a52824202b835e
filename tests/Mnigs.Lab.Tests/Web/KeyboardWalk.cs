using Microsoft.Playwright;

namespace Mnigs.Lab.Tests.Web;

/// <summary>
/// What a keyboard user reaches with Tab on one page of the UI: the nav links (as "nav:#/route"), the
/// page's first visible enabled button ("first-button") and whatever else took the focus on the way.
/// </summary>
public sealed record KeyboardWalk(IReadOnlySet<string> Reached, bool PageHasButton, bool FirstButtonShowsFocus)
{
    public const string FirstButton = "first-button";

    /// <summary>Presses Tab from the top of a freshly loaded page until everything is reached, at most <paramref name="presses"/> times.</summary>
    public static async Task<KeyboardWalk> WalkAsync(IPage page, string route, IReadOnlyList<string> navRoutes, int presses = 60)
    {
        var reached = new HashSet<string>();
        var focusShown = false;
        for (var i = 0; i < presses && !(reached.IsSupersetOf(navRoutes.Select(r => "nav:#/" + r)) && reached.Contains(FirstButton)); i++)
        {
            await page.Keyboard.PressAsync("Tab");
            var focused = await page.EvaluateAsync<string>(FocusedJs, route);
            reached.Add(focused);
            if (focused == FirstButton)
                focusShown = await page.EvaluateAsync<bool>(FocusShownJs);
        }
        return new KeyboardWalk(reached, await page.EvaluateAsync<bool>(HasButtonJs, route), focusShown);
    }

    private const string FirstButtonJs = """
        const root = document.querySelector('[data-testid=page-' + route + ']');
        const first = root && [...root.querySelectorAll('button')].find(b => !b.disabled && b.getClientRects().length > 0);
        """;

    private const string FocusedJs = "route => { " + FirstButtonJs + """
        const a = document.activeElement;
        if (a && a.closest('nav') && a.tagName === 'A') return 'nav:' + a.getAttribute('href');
        if (a && a === first) return 'first-button';
        return a ? a.tagName.toLowerCase() + (a.dataset.testid ? '[' + a.dataset.testid + ']' : '') : 'none';
        }
        """;

    private const string HasButtonJs = "route => { " + FirstButtonJs + " return !!first; }";

    /// <summary>A visible focus indicator: an outline or a box shadow on the focused element.</summary>
    private const string FocusShownJs = """
        () => { const s = getComputedStyle(document.activeElement);
                return (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none'; }
        """;
}

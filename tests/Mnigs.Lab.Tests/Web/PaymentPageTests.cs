using Microsoft.Playwright;
using Mnigs.Lab.Tests.Mesh;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Mnigs.Lab.Tests.Web;

/// <summary>
/// The gateway's payment page in headless chromium, as a subscriber whose session waits for payment sees it:
/// the browser runs in the subscriber's namespace and reaches the gateway's page over the mesh, with
/// JavaScript turned off (the page must not need it). Screenshots go to artifacts/screenshots/.
/// </summary>
[Collection("lab")]
public sealed class PaymentPageTests(ITestOutputHelper output)
{
    private static readonly string PageUrl = $"http://{LabMesh.GatewayMesh}:65533/pay";

    [Fact]
    public async Task A_pending_subscriber_redeems_a_voucher_on_the_page_without_javascript_and_is_online()
    {
        Shell.RequireLab("ip", "chromium");
        _ = NamespaceChromium.Executable;
        await using var mesh = await LabMesh.StartAsync(gatewayExtra: "payment = voucher\n");
        var workDir = Directory.CreateTempSubdirectory("mnigs-pay-").FullName;
        using var playwright = await NamespaceChromium.StartPlaywrightAsync();
        var browser = await NamespaceChromium.LaunchAsync(playwright, mesh.Sub.Namespace, workDir);
        try
        {
            var connect = await mesh.Sub.CliAsync("-c", LabMesh.GatewayMesh, "-m", "babel-wireguard-voucher");
            Assert.True(connect.ExitCode == 0, connect.All + mesh.Logs);
            var created = await mesh.Gw.CliJsonAsync("voucher", "create", "--time", "2h", "--data", "5GB");
            var code = created["vouchers"]![0]!["code"]!.GetValue<string>();

            var context = await browser.NewContextAsync(new BrowserNewContextOptions
            {
                JavaScriptEnabled = false,
                ViewportSize = new ViewportSize { Width = 420, Height = 760 },
            });
            context.SetDefaultTimeout(15_000);
            var page = await context.NewPageAsync();
            var errors = new List<string>();
            page.Console += (_, m) => { if (m.Type == "error") errors.Add($"{m.Text} ({m.Location})"); };

            var response = await page.GotoAsync(PageUrl);
            Assert.Equal(200, response!.Status);
            await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Payment required" })).ToBeVisibleAsync();
            await Expect(page.GetByText("no voucher has been redeemed for this session yet")).ToBeVisibleAsync();
            await Shot(page, "payment-page-pending");

            // A mistyped code: the page says so and keeps the form.
            await page.GetByLabel("Voucher code").FillAsync("ZZZZ-ZZZZ-ZZZZ");
            await page.GetByRole(AriaRole.Button, new() { Name = "Redeem" }).ClickAsync();
            await Expect(page.GetByRole(AriaRole.Alert)).ToHaveTextAsync("This code is not a voucher of this gateway");
            await Shot(page, "payment-page-wrong-code");

            // The printed code, typed in lower case with spaces, as people do.
            await page.GetByLabel("Voucher code").FillAsync(code.ToLowerInvariant().Replace('-', ' '));
            await page.GetByRole(AriaRole.Button, new() { Name = "Redeem" }).ClickAsync();
            await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("Voucher accepted: you are online.");
            await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "You are online" })).ToBeVisibleAsync();
            await Expect(page.Locator("#time-left")).ToHaveTextAsync("2 h");
            await Expect(page.Locator("#data-left")).ToHaveTextAsync("5 GB");
            await Shot(page, "payment-page-online");
            // The one error chromium logs is the wrong code's answer: a 400, on purpose.
            Assert.True(errors.All(e => e.Contains("status of 400", StringComparison.Ordinal)), string.Join("\n", errors));

            var ping = await mesh.Sub.ExecAsync("ping", "-c", "2", "-i", "0.3", "-W", "2", LabMesh.InternetHost);
            Assert.True(ping.ExitCode == 0, ping.All + mesh.Logs);
            await context.CloseAsync();
        }
        finally
        {
            await browser.CloseAsync();
            Directory.Delete(workDir, recursive: true);
        }
    }

    [Fact]
    public async Task The_operator_makes_and_revokes_vouchers_in_the_web_ui_and_the_subscriber_pays_on_its_status_page()
    {
        Shell.RequireLab("ip", "chromium");
        _ = NamespaceChromium.Executable;
        await using var mesh = await LabMesh.StartAsync(gatewayExtra: "payment = voucher\n");
        var workDir = Directory.CreateTempSubdirectory("mnigs-pay-").FullName;
        using var playwright = await NamespaceChromium.StartPlaywrightAsync();
        var gwBrowser = await NamespaceChromium.LaunchAsync(playwright, mesh.Gw.Namespace, workDir);
        var subBrowser = await NamespaceChromium.LaunchAsync(playwright, mesh.Sub.Namespace, workDir);
        try
        {
            var connect = await mesh.Sub.CliAsync("-c", LabMesh.GatewayMesh, "-m", "babel-wireguard-voucher");
            Assert.True(connect.ExitCode == 0, connect.All + mesh.Logs);

            string code;
            await using (var tab = await UiTab.OpenAsync(gwBrowser, output))
            {
                var page = await tab.GotoAsync("vouchers");
                await Expect(page.GetByText("This gateway asks for vouchers")).ToBeVisibleAsync();
                await page.GetByLabel("Time").FillAsync("1h");
                await page.GetByLabel("Data").FillAsync("1GB");
                await page.GetByLabel("How many").FillAsync("2");
                await page.GetByTestId("create-vouchers").ClickAsync();
                await Expect(page.GetByText("Created 2 vouchers.")).ToBeVisibleAsync();
                var rows = page.GetByTestId("voucher-row");
                await Expect(rows).ToHaveCountAsync(2);
                await Expect(rows.First.Locator("td").Nth(1)).ToHaveTextAsync("unused");
                await Expect(rows.First.Locator("td").Nth(2)).ToHaveTextAsync("1 h and 1 GB");
                code = (await rows.First.GetAttributeAsync("data-code"))!;
                await rows.Nth(1).GetByTestId("revoke").ClickAsync();
                await Expect(rows.Nth(1).Locator("td").Nth(1)).ToHaveTextAsync("revoked");
                await tab.ScreenshotAsync("vouchers");
                tab.AssertNoErrors();
            }

            await using (var tab = await UiTab.OpenAsync(subBrowser, output))
            {
                var page = await tab.GotoAsync("status");
                var box = page.GetByTestId("pay-box");
                await Expect(box).ToBeVisibleAsync();
                await Expect(box.GetByRole(AriaRole.Link, new() { Name = "the gateway's page" })).ToHaveAttributeAsync("href", PageUrl);
                await tab.ScreenshotAsync("status-payment-required");
                await page.GetByTestId("pay-code").FillAsync(code);
                await page.GetByTestId("pay").ClickAsync();
                await Expect(page.GetByText("Paid at gw: paid.")).ToBeVisibleAsync();
                await Expect(box).ToBeHiddenAsync();
                tab.AssertNoErrors();
            }
            var ping = await mesh.Sub.ExecAsync("ping", "-c", "2", "-i", "0.3", "-W", "2", LabMesh.InternetHost);
            Assert.True(ping.ExitCode == 0, ping.All + mesh.Logs);
        }
        finally
        {
            await gwBrowser.CloseAsync();
            await subBrowser.CloseAsync();
            Directory.Delete(workDir, recursive: true);
        }
    }

    private async Task Shot(IPage page, string name)
    {
        Directory.CreateDirectory(UiTab.ScreenshotDir);
        var path = Path.Combine(UiTab.ScreenshotDir, name + ".png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        output.WriteLine($"screenshot {path}");
    }
}

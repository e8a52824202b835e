using Mnigs.Core.Config;

namespace Mnigs.Core.Tests.Config;

public class ConfigEditorTests
{
    private const string Text = "# My gateway\n[gateway]\n# up to 32\nmaxConnections = 32 # for now\n\n[babel]\nenabled = yes\n";

    [Fact]
    public void Setting_a_key_changes_only_its_value()
    {
        var result = ConfigEditor.Apply(Text, "gateway.maxConnections=64");

        Assert.Equal(new ConfigEditResult(true, Text.Replace("= 32 #", "= 64 #"), null), result);
    }

    [Fact]
    public void Names_in_any_case_and_spaces_around_the_value_are_accepted()
    {
        var result = ConfigEditor.Apply(Text, "GATEWAY.MaxConnections =  64 ");

        Assert.True(result.Ok);
        Assert.Equal(64, ConfigLoader.Load(result.Text).Config!.MaxConnections);
    }

    [Fact]
    public void A_new_key_is_written_in_its_schema_spelling()
    {
        var result = ConfigEditor.Apply(Text, "wireguard.listenport=51821");

        Assert.True(result.Ok);
        Assert.EndsWith("\n[wireguard]\nlistenPort = 51821\n", result.Text);
    }

    [Fact]
    public void An_invalid_value_is_refused_and_the_text_left_unchanged()
    {
        var result = ConfigEditor.Apply(Text, "gateway.maxConnections=abc");

        Assert.Equal(new ConfigEditResult(false, Text,
            "gateway.maxConnections must be a whole number from 1 to 65535, not \"abc\""), result);
    }

    [Fact]
    public void An_unknown_key_is_refused_and_the_text_left_unchanged()
    {
        var result = ConfigEditor.Apply(Text, "gateway.maxconection=5");

        Assert.Equal(new ConfigEditResult(false, Text,
            "Unknown key gateway.maxconection; did you mean gateway.maxConnections?"), result);
    }

    [Theory]
    [InlineData("maxConnections=5")]
    [InlineData("gateway.maxConnections")]
    [InlineData(".maxConnections=5")]
    [InlineData("gateway.=5")]
    [InlineData("")]
    public void An_assignment_not_of_the_form_section_key_value_is_refused(string assignment)
    {
        var result = ConfigEditor.Apply(Text, assignment);

        Assert.False(result.Ok);
        Assert.Equal(Text, result.Text);
        Assert.StartsWith("Expected section.key=value", result.Error);
    }

    [Fact]
    public void A_value_the_file_cannot_hold_is_refused()
    {
        var result = ConfigEditor.Apply(Text, "main.name=Cafe #1");

        Assert.False(result.Ok);
        Assert.Equal(Text, result.Text);
        Assert.Equal("main.name cannot be written as \"Cafe #1\": a value cannot hold # or ; right after a space, which start a comment",
            result.Error);
    }

    [Fact]
    public void Several_changes_apply_together()
    {
        var result = ConfigEditor.Apply(Text, [("gateway", "enabled", "yes"), ("babel", "enabled", "no")]);

        var config = ConfigLoader.Load(result.Text).Config!;
        Assert.True(result.Ok);
        Assert.True(config.GatewayEnabled);
        Assert.False(config.BabelEnabled);
    }

    [Fact]
    public void One_bad_change_refuses_them_all()
    {
        var result = ConfigEditor.Apply(Text, [("gateway", "enabled", "yes"), ("babel", "enabled", "maybe")]);

        Assert.False(result.Ok);
        Assert.Equal(Text, result.Text);
        Assert.StartsWith("babel.enabled must be yes or no", result.Error);
    }

    [Fact]
    public void A_change_that_leaves_the_gateway_outside_its_subnet_is_refused()
    {
        const string text = "[wireguard]\nipv4Gateway = 10.201.0.1\n";

        var alone = ConfigEditor.Apply(text, "wireguard.ipv4Subnet=10.9.0.0/24");
        var together = ConfigEditor.Apply(text, [("wireguard", "ipv4Subnet", "10.9.0.0/24"), ("wireguard", "ipv4Gateway", "10.9.0.1")]);

        Assert.Equal(new ConfigEditResult(false, text,
            "wireguard.ipv4Gateway 10.201.0.1 is outside wireguard.ipv4Subnet 10.9.0.0/24"), alone);
        Assert.True(together.Ok);
    }

    [Fact]
    public void A_problem_already_in_the_text_does_not_block_other_edits()
    {
        const string text = "[gateway]\nmaxConnections = lots\n";

        var result = ConfigEditor.Apply(text, "gateway.enabled=yes");

        Assert.True(result.Ok);
        Assert.Equal("[gateway]\nmaxConnections = lots\nenabled = yes\n", result.Text);
    }

    [Fact]
    public void Setting_a_key_of_the_sample_uncomments_it_in_place()
    {
        var sample = RepositoryFiles.Read("mnigs.conf.sample");

        var result = ConfigEditor.Apply(sample, "gateway.enabled=yes");

        Assert.True(result.Ok);
        Assert.Contains("# enabled = no\nenabled = yes\n\n# Most subscribers", result.Text);
        Assert.True(ConfigLoader.Load(result.Text).Config!.GatewayEnabled);
    }
}

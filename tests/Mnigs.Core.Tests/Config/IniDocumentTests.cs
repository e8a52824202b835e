using Mnigs.Core.Config;

namespace Mnigs.Core.Tests.Config;

public class IniDocumentTests
{
    [Theory]
    [InlineData("")]
    [InlineData("\n")]
    [InlineData("   \n\t\n")]
    [InlineData("[gateway]\nenabled = yes\n")]
    [InlineData("[gateway]\r\nenabled = yes\r\n")]
    [InlineData("[gateway]\r\nenabled=yes\n  # mixed endings\r\n")]
    [InlineData("[gateway]\nenabled = yes")]
    [InlineData("\uFEFF[main]\nname = x\n")]
    [InlineData("name = early\n; semicolon comment\n  # indented comment\n[ daemon ]  # trailing\n  rpcPort\t=\t 80   # port\n\n\n")]
    [InlineData("[broken\nkey without equals\n= no key\n[a] junk\n")]
    [InlineData("a = b\rc = d\n")]
    public void Unchanged_text_round_trips_byte_for_byte(string text) =>
        Assert.Equal(text, IniDocument.Parse(text).ToString());

    [Fact]
    public void Lookup_ignores_case_and_names_keep_their_spelling()
    {
        var document = Parse("[Gateway]\nMaxConnections = 5\n");

        Assert.Equal("5", document.Get("gateway", "maxconnections"));
        Assert.Equal(["Gateway"], document.Sections);
        Assert.Equal(["MaxConnections"], document.Keys("GATEWAY"));
    }

    [Fact]
    public void Keys_before_the_first_section_belong_to_main()
    {
        var document = Parse("name = node1\n[gateway]\nenabled = yes\n");

        Assert.Equal("node1", document.Get("main", "name"));
        Assert.Equal(["main", "gateway"], document.Sections);
    }

    [Fact]
    public void Values_are_trimmed_and_a_comment_after_whitespace_is_not_part_of_them()
    {
        var document = Parse("[a]\nx =   spaced value   \ny = 80 # http\nz = a#b\nw = ; nothing\n");

        Assert.Equal("spaced value", document.Get("a", "x"));
        Assert.Equal("80", document.Get("a", "y"));
        Assert.Equal("a#b", document.Get("a", "z"));
        Assert.Equal("", document.Get("a", "w"));
    }

    [Fact]
    public void A_missing_key_reads_as_null()
    {
        Assert.Null(Parse("[a]\nx = 1\n").Get("a", "y"));
        Assert.Null(Parse("[a]\nx = 1\n").Get("b", "x"));
    }

    [Fact]
    public void A_key_set_twice_reads_as_the_last_and_is_set_everywhere()
    {
        var document = Parse("[a]\nx = 1\nx = 2\n");
        Assert.Equal("2", document.Get("a", "x"));

        document.Set("a", "x", "3");

        Assert.Equal("[a]\nx = 3\nx = 3\n", document.ToString());
    }

    [Fact]
    public void Set_keeps_comments_and_order()
    {
        const string text = "# top\n[gateway]\n# how many\nmaxConnections = 32 # default\n\n# next\n[babel]\nenabled = yes\n";
        var document = Parse(text);

        document.Set("gateway", "maxConnections", "64");

        Assert.Equal(text.Replace("= 32 #", "= 64 #"), document.ToString());
    }

    [Fact]
    public void Set_keeps_the_key_spelling_and_spacing_of_the_line()
    {
        var document = Parse("[Gateway]\n  MAXCONNECTIONS=32\n");

        document.Set("gateway", "maxConnections", "7");

        Assert.Equal("[Gateway]\n  MAXCONNECTIONS=7\n", document.ToString());
    }

    [Fact]
    public void Set_on_an_empty_value_keeps_the_comment_a_comment()
    {
        var document = Parse("[a]\nx =\ny =# note\n");

        document.Set("a", "x", "1");
        document.Set("a", "y", "2");

        Assert.Equal("[a]\nx = 1\ny = 2 # note\n", document.ToString());
        Assert.Equal("2", Parse(document.ToString()).Get("a", "y"));
    }

    [Fact]
    public void Set_can_empty_a_value()
    {
        var document = Parse("[a]\nx = 1 # note\n");

        document.Set("a", "x", "");

        Assert.Equal("", Parse(document.ToString()).Get("a", "x"));
        Assert.Contains("# note", document.ToString());
    }

    [Fact]
    public void Set_appends_a_new_key_after_the_last_key_of_its_section()
    {
        var document = Parse("[gateway]\nenabled = yes\n\n# About babel\n[babel]\nenabled = no\n");

        document.Set("gateway", "maxConnections", "5");

        Assert.Equal("[gateway]\nenabled = yes\nmaxConnections = 5\n\n# About babel\n[babel]\nenabled = no\n", document.ToString());
    }

    [Fact]
    public void Set_puts_a_new_key_under_its_commented_out_example()
    {
        var document = Parse("[gateway]\n# Serve subscribers.\n# enabled = no\n\n# How many.\n# maxConnections = 32\n\n[babel]\n");

        document.Set("gateway", "enabled", "yes");

        Assert.Equal("[gateway]\n# Serve subscribers.\n# enabled = no\nenabled = yes\n\n# How many.\n# maxConnections = 32\n\n[babel]\n",
            document.ToString());
    }

    [Fact]
    public void Set_in_a_section_without_keys_goes_after_its_own_comments_not_the_next_sections()
    {
        var document = Parse("[gateway]\n# Gateway settings.\n\n# Babel settings.\n[babel]\n");

        document.Set("gateway", "enabled", "yes");

        Assert.Equal("[gateway]\n# Gateway settings.\nenabled = yes\n\n# Babel settings.\n[babel]\n", document.ToString());
    }

    [Fact]
    public void Set_creates_a_missing_section_at_the_end()
    {
        var document = Parse("[gateway]\nenabled = yes\n");

        document.Set("wireguard", "mtu", "1400");

        Assert.Equal("[gateway]\nenabled = yes\n\n[wireguard]\nmtu = 1400\n", document.ToString());
    }

    [Fact]
    public void Set_on_empty_text_creates_the_section()
    {
        var document = Parse("");

        document.Set("main", "name", "node1");

        Assert.Equal("[main]\nname = node1\n", document.ToString());
    }

    [Fact]
    public void Set_adds_to_keys_written_before_the_first_section()
    {
        var document = Parse("name = node1\n\n[gateway]\nenabled = yes\n");

        document.Set("main", "logLevel", "debug");

        Assert.Equal("name = node1\nlogLevel = debug\n\n[gateway]\nenabled = yes\n", document.ToString());
    }

    [Fact]
    public void Set_keeps_crlf_line_endings_and_a_missing_final_line_break()
    {
        var document = Parse("[gateway]\r\nenabled = yes");

        document.Set("gateway", "maxConnections", "5");
        document.Set("babel", "enabled", "no");

        Assert.Equal("[gateway]\r\nenabled = yes\r\nmaxConnections = 5\r\n\r\n[babel]\r\nenabled = no", document.ToString());
    }

    [Theory]
    [InlineData("two\nlines")]
    [InlineData(" leading space")]
    [InlineData("# starts a comment")]
    [InlineData("a ;comment")]
    [InlineData("tab\there")]
    public void Set_refuses_a_value_that_would_read_back_differently(string value)
    {
        Assert.NotNull(IniDocument.CheckValue(value));
        Assert.Throws<ArgumentException>(() => Parse("[a]\n").Set("a", "x", value));
    }

    [Theory]
    [InlineData("[gateway]\nenabled yes\n", 2, "expected \"key = value\"")]
    [InlineData("[gateway\nenabled = yes\n", 1, "lacks its closing ]")]
    [InlineData("[gateway]\n= yes\n", 2, "a key is missing")]
    [InlineData("[gateway] extra\n", 1, "unexpected text \"extra\"")]
    [InlineData("[]\n", 1, "not a section name")]
    public void A_malformed_line_is_an_error_with_its_line_number(string text, int line, string message)
    {
        Assert.False(IniDocument.TryParse(text, out var document, out var error));
        Assert.Null(document);
        Assert.StartsWith($"line {line}: ", error);
        Assert.Contains(message, error);
    }

    [Fact]
    public void A_wellformed_text_parses()
    {
        Assert.True(IniDocument.TryParse("# c\n[a]\nx = 1\n", out var document, out var error));
        Assert.Null(error);
        Assert.Equal("1", document.Get("a", "x"));
    }

    [Fact]
    public void Keys_under_a_malformed_section_header_belong_to_no_section()
    {
        var document = Parse("[gateway]\nenabled = yes\n[babel\nenabled = no\n");

        Assert.Equal("yes", document.Get("gateway", "enabled"));
        Assert.Single(document.Entries);
    }

    [Fact]
    public void Entries_carry_their_line_numbers()
    {
        var document = Parse("# c\n[a]\n\nx = 1\n");

        Assert.Equal([new IniEntry("a", "x", "1", 4)], document.Entries);
        Assert.Equal(2, document.HeaderLine("A"));
        Assert.Equal(0, document.HeaderLine("b"));
    }

    private static IniDocument Parse(string text) => IniDocument.Parse(text);
}

using Mnigs.Payments.Voucher;

namespace Mnigs.Tests.Payments;

public sealed class VoucherCodeTests
{
    [Fact]
    public void New_codes_are_twelve_characters_of_the_unambiguous_alphabet_and_do_not_repeat()
    {
        var codes = Enumerable.Range(0, 5000).Select(_ => VoucherCode.New()).ToList();

        Assert.All(codes, c => Assert.Matches("^[0-9A-HJKMNP-TV-Z]{12}$", c));
        Assert.Equal(codes.Count, codes.Distinct().Count());
        // Every character of the alphabet turns up: the 60 bits are spread over all positions.
        Assert.Equal(VoucherCode.Alphabet.Length, codes.SelectMany(c => c).Distinct().Count());
    }

    [Theory]
    [InlineData("7K2M-9QXD-4F8R", "7K2M9QXD4F8R")]
    [InlineData("7k2m 9qxd 4f8r", "7K2M9QXD4F8R")]
    [InlineData("O12I-L000-0000", "012110000000")]
    public void Typed_codes_are_read_in_any_case_with_dashes_or_spaces_and_lookalikes_mapped(string typed, string canonical) =>
        Assert.Equal(canonical, VoucherCode.Normalize(typed));

    [Theory]
    [InlineData("")]
    [InlineData("7K2M-9QXD-4F8")]
    [InlineData("7K2M-9QXD-4F8RR")]
    [InlineData("7K2M-9QXD-4F8U")]
    [InlineData("7K2M;9QXD-4F8R")]
    [InlineData(null)]
    public void Anything_else_is_not_a_code(string? typed) => Assert.Null(VoucherCode.Normalize(typed));

    [Fact]
    public void Codes_are_shown_in_groups_of_four() => Assert.Equal("7K2M-9QXD-4F8R", VoucherCode.Format("7K2M9QXD4F8R"));
}

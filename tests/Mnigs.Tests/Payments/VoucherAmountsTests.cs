using Mnigs.Payments.Voucher;

namespace Mnigs.Tests.Payments;

public sealed class VoucherAmountsTests
{
    [Theory]
    [InlineData("1h", 3600)]
    [InlineData("90m", 5400)]
    [InlineData("1.5h", 5400)]
    [InlineData("30s", 30)]
    [InlineData("7d", 604800)]
    [InlineData(" 2W ", 1209600)]
    public void Times_are_read_as_people_write_them(string text, int seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), VoucherAmounts.ParseTime(text, out _));

    [Theory]
    [InlineData("1GB", 1_000_000_000)]
    [InlineData("500MB", 500_000_000)]
    [InlineData("1.5gb", 1_500_000_000)]
    [InlineData("2GiB", 2L << 30)]
    [InlineData("100000B", 100_000)]
    [InlineData("20k", 20_000)]
    public void Data_amounts_are_read_in_decimal_and_binary_units(string text, long bytes) =>
        Assert.Equal(bytes, VoucherAmounts.ParseBytes(text, out _));

    [Theory]
    [InlineData("1 hour")]
    [InlineData("h")]
    [InlineData("-1h")]
    [InlineData("0m")]
    [InlineData("400d")]
    public void Other_times_are_refused_with_a_plain_message(string text)
    {
        Assert.Null(VoucherAmounts.ParseTime(text, out var problem));
        Assert.Contains(text.Trim(), problem);
    }

    [Theory]
    [InlineData("1 gallon")]
    [InlineData("GB")]
    [InlineData("0MB")]
    [InlineData("2000TB")]
    public void Other_amounts_are_refused_with_a_plain_message(string text)
    {
        Assert.Null(VoucherAmounts.ParseBytes(text, out var problem));
        Assert.Contains(text, problem);
    }

    [Fact]
    public void Amounts_are_shown_in_the_two_largest_units()
    {
        Assert.Equal("1 h 30 min", VoucherAmounts.Duration(TimeSpan.FromSeconds(5430)));
        Assert.Equal("2 d 3 h", VoucherAmounts.Duration(TimeSpan.FromHours(51)));
        Assert.Equal("45 s", VoucherAmounts.Duration(TimeSpan.FromSeconds(45)));
        Assert.Equal("1 GB", VoucherAmounts.Bytes(1_000_000_000));
        Assert.Equal("812 MB", VoucherAmounts.Bytes(812_300_000));
        Assert.Equal("1.5 MB", VoucherAmounts.Bytes(1_500_000));
        Assert.Equal("300 B", VoucherAmounts.Bytes(300));
    }
}

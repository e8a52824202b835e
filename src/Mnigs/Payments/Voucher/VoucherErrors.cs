namespace Mnigs.Payments.Voucher;

/// <summary>What a subscriber is told when a voucher cannot be redeemed (also the RPC's errorMsg).</summary>
public static class VoucherErrors
{
    public const string UnknownCode = "This code is not a voucher of this gateway";
    public const string InUse = "This voucher is in use by another session";
    public const string NotACode = "A voucher code has 12 letters and digits, such as 7K2M-9QXD-4F8R";
    public const string NoSession = "This gateway has no session for your address; connect to it first";
    public const string NotVoucherSession = "Your session here is free; it needs no voucher";
}

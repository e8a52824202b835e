namespace Mnigs.Payments.Free;

/// <summary>Payment <c>free</c>: every session may pass traffic for its whole lease.</summary>
public sealed class FreePayment : IPaymentMethod
{
    public string Name => "free";

    public PaymentState Open() => new(Name, "active", MayPass: true);
}

namespace Mnigs.Payments;

/// <summary>Decides whether a session may pass traffic, and until when.</summary>
public interface IPaymentMethod
{
    /// <summary>Payment id as used in suite ids, e.g. <c>free</c>.</summary>
    string Name { get; }

    /// <summary>The <c>payment</c> object of the requestConnection reply: method and state.</summary>
    PaymentState Open();
}

public sealed record PaymentState(string Method, string State, bool MayPass);

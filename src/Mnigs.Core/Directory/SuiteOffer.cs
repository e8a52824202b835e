using System.Globalization;
using Mnigs.Core.Suites;

namespace Mnigs.Core.Directory;

/// <summary>
/// One suite a gateway serves and its price per hour, in millionths of the gateway's currency unit.
/// Integer micro-units rather than a decimal: <c>1.5m</c> and <c>1.50m</c> are equal but print
/// differently, and doubles round, so either would make two honest nodes disagree on the bytes signed.
/// </summary>
public readonly record struct SuiteOffer(string Id, long PriceMicros)
{
    public const long MicrosPerUnit = 1_000_000;

    /// <summary>A million units per hour: far above any real price, and exact in every JSON reader (below 2^53).</summary>
    public const long MaxPriceMicros = 1_000_000 * MicrosPerUnit;

    public decimal PricePerHour => (decimal)PriceMicros / MicrosPerUnit;

    public bool IsFree => PriceMicros == 0;

    /// <summary>An offer at <paramref name="pricePerHour"/>; more than six decimals is an error, not a rounding.</summary>
    public static SuiteOffer At(string id, decimal pricePerHour)
    {
        var micros = pricePerHour * MicrosPerUnit;
        if (micros != decimal.Truncate(micros) || micros < 0 || micros > MaxPriceMicros)
            throw new ArgumentOutOfRangeException(nameof(pricePerHour), pricePerHour,
                "A price is 0 to 1000000 per hour with at most six decimals");
        return new SuiteOffer(id, (long)micros);
    }

    public static SuiteOffer Free(string id) => new(id, 0);

    public string? Problem()
    {
        if (!Suite.TryParse(Id, out var suite) || suite.Id != Id)
            return $"suite '{RecordText.Shorten(Id)}' is not network-tunnel-payment";
        if (PriceMicros is < 0 or > MaxPriceMicros)
            return $"price of '{Id}' must be 0 to {MaxPriceMicros.ToString(CultureInfo.InvariantCulture)} micro-units";
        return null;
    }
}

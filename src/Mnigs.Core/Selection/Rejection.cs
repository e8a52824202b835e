namespace Mnigs.Core.Selection;

/// <summary>Why a gateway is not a candidate right now.</summary>
public enum Rejection
{
    /// <summary>None of its suites is one this node can use.</summary>
    NoCommonSuite,

    /// <summary>Every suite both sides support costs more than <c>subscriber.maxPrice</c>.</summary>
    TooExpensive,

    /// <summary>It already serves as many sessions as it accepts.</summary>
    AtCapacity,

    /// <summary>It failed recently and its back-off has not run out.</summary>
    BackingOff,

    /// <summary>Too many of its probes went unanswered.</summary>
    Unreachable,
}

namespace DirectorySim;

/// <summary>Why an exchange was started, as in <c>DirectoryService</c>.</summary>
internal enum ExchangeKind
{
    /// <summary>Push on change: the node accepted or published something and syncs with every neighbour at once.</summary>
    Push,

    /// <summary>The periodic round's exchange with one random neighbour.</summary>
    RoundNeighbour,

    /// <summary>The periodic round's exchange with one random daemon known from scans or the directory, several hops away.</summary>
    RoundFar,
}

/// <summary>
/// Messages and bytes on the simulated wire (the JSON of each sync message, without HTTP or JSON-RPC
/// framing). <see cref="AirBytes"/> counts a message once per link it crosses, so it includes what
/// the nodes on the path relay for a far exchange.
/// </summary>
internal sealed class Traffic
{
    public long Messages { get; private set; }

    public long Bytes { get; private set; }

    public long AirBytes { get; private set; }

    public int LargestMessage { get; private set; }

    public long Lost { get; set; }

    public long Refused { get; set; }

    public long Publications { get; set; }

    public long[] Exchanges { get; } = new long[3];

    /// <summary>Exchanges over (answered or given up), of which <see cref="TimedOut"/> given up.</summary>
    public long[] Closed { get; } = new long[3];

    public long[] TimedOut { get; } = new long[3];

    /// <summary>Answers that came after the initiator had given the exchange up (the others that were given up lost a message).</summary>
    public long[] Late { get; } = new long[3];

    public void Count(int bytes, int hops)
    {
        Messages++;
        Bytes += bytes;
        AirBytes += (long)bytes * hops;
        LargestMessage = Math.Max(LargestMessage, bytes);
    }

    /// <summary>Adds these counts to <paramref name="total"/>.</summary>
    public void AddTo(Traffic total)
    {
        total.Messages += Messages;
        total.Bytes += Bytes;
        total.AirBytes += AirBytes;
        total.Lost += Lost;
        total.Refused += Refused;
        total.Publications += Publications;
        total.LargestMessage = Math.Max(total.LargestMessage, LargestMessage);
        for (var k = 0; k < Exchanges.Length; k++)
        {
            total.Exchanges[k] += Exchanges[k];
            total.Closed[k] += Closed[k];
            total.TimedOut[k] += TimedOut[k];
            total.Late[k] += Late[k];
        }
    }

    public void Reset()
    {
        Messages = Bytes = AirBytes = Lost = Refused = Publications = 0;
        LargestMessage = 0;
        Array.Clear(Exchanges);
        Array.Clear(Closed);
        Array.Clear(TimedOut);
        Array.Clear(Late);
    }
}

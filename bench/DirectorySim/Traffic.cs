using System.Text.Json.Nodes;

namespace DirectorySim;

/// <summary>Messages and bytes on the simulated wire (the JSON of each sync message, without HTTP or JSON-RPC framing).</summary>
internal sealed class Traffic
{
    public int Rounds { get; set; }

    public long Exchanges { get; set; }

    public long Messages { get; private set; }

    public long Bytes { get; private set; }

    public long Lost { get; set; }

    public long Digests { get; private set; }

    public long RecordsSent { get; private set; }

    public int LargestMessage { get; private set; }

    public void Count(JsonObject message, int bytes)
    {
        Messages++;
        Bytes += bytes;
        LargestMessage = Math.Max(LargestMessage, bytes);
        if (message.ContainsKey("digest"))
            Digests++;
        if (message["records"] is JsonArray records)
            RecordsSent += records.Count;
    }

    /// <summary>Adds these counts to <paramref name="total"/> and starts again from zero (rounds excepted).</summary>
    public void AddTo(Traffic total)
    {
        total.Exchanges += Exchanges;
        total.Messages += Messages;
        total.Bytes += Bytes;
        total.Lost += Lost;
        total.Digests += Digests;
        total.RecordsSent += RecordsSent;
        total.LargestMessage = Math.Max(total.LargestMessage, LargestMessage);
        Reset();
    }

    public void Reset()
    {
        Rounds = 0;
        Exchanges = Messages = Bytes = Lost = Digests = RecordsSent = 0;
        LargestMessage = 0;
    }
}

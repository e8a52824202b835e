using System.Text;
using System.Text.Json;
using CsCheck;
using Mnigs.Core.Directory;
using static Mnigs.Core.Tests.Directory.Records;

namespace Mnigs.Core.Tests.Directory;

/// <summary>
/// Whatever order records arrive in, and whichever peers they come through, every node ends with
/// the same directory: merge is order-independent, and sync carries every difference.
/// </summary>
public sealed class DirectoryPropertyTests
{
    private const int Iterations = 300;

    // Signed once: three keys × four sequences × two loads × withdrawn or not, so the same
    // sequence signed twice with different fields (a publisher's mistake) occurs too; plus an
    // expired record and a forgery. Real Ed25519 throughout.
    private static readonly DirectoryRecord[] Pool = BuildPool();

    private static DirectoryRecord[] BuildPool()
    {
        var pool = new List<DirectoryRecord>();
        foreach (var key in new[] { Alice, Bob, Carol })
            for (var seq = 1; seq <= 4; seq++)
                for (var load = 0; load < 2; load++)
                {
                    pool.Add(Signed(key, sequence: seq, load: load));
                    pool.Add(Signed(key, sequence: seq, load: load, withdrawn: true));
                }
        pool.Add(Signed(Mallory, sequence: 1, issued: T0.AddHours(-2)));
        pool.Add(Parsed(Edited(Signed(Mallory, sequence: 9), r => r["nodeId"] = Alice.NodeId)));
        return [.. pool];
    }

    // One record per (node, sequence), as an honest publisher signs. Sync compares sequences only,
    // so two records signed with one sequence may stay split until the publisher's next one.
    private static readonly DirectoryRecord[] HonestPool =
    [
        .. new[] { Alice, Bob, Carol }.SelectMany(key => Enumerable.Range(1, 4).Select(seq => Signed(key, sequence: seq, load: seq, withdrawn: seq == 3))),
        .. Pool[^2..],
    ];

    private static readonly Gen<DirectoryRecord[]> Arrivals = ArrivalsFrom(Pool);

    private static readonly Gen<DirectoryRecord[]> HonestArrivals = ArrivalsFrom(HonestPool);

    private static Gen<DirectoryRecord[]> ArrivalsFrom(DirectoryRecord[] pool) =>
        Gen.Int[0, pool.Length - 1].Array[0, 40].Select(ix => ix.Select(i => pool[i]).ToArray());

    private static string Contents(DirectoryBook book) =>
        string.Join("\n", book.Records.Select(r => Encoding.UTF8.GetString(r.WireBytes())));

    private static DirectoryBook Merged(IEnumerable<DirectoryRecord> records)
    {
        var book = new DirectoryBook(Ed25519Verifier.Instance);
        foreach (var r in records)
            book.Merge(r, T0);
        return book;
    }

    [Fact]
    public void Merging_in_any_order_gives_the_same_book()
    {
        Gen.Select(Arrivals, Gen.Int).Sample((records, seed) =>
        {
            var shuffled = records.ToArray();
            new Random(seed).Shuffle(shuffled);

            var a = Merged(records);
            var b = Merged(shuffled);

            Assert.Equal(Contents(a), Contents(b));
            Assert.Equal(a.Summary(), b.Summary());
        }, iter: Iterations);
    }

    [Fact]
    public void Merging_a_record_twice_changes_nothing()
    {
        Arrivals.Sample(records =>
        {
            var once = Merged(records);
            var twice = Merged(records.Concat(records));

            Assert.Equal(Contents(once), Contents(twice));
        }, iter: Iterations);
    }

    [Fact]
    public void Syncing_two_books_gives_each_what_merging_everything_would()
    {
        Gen.Select(HonestArrivals, HonestArrivals).Sample((mine, theirs) =>
        {
            var a = Merged(mine);
            var b = Merged(theirs);

            for (var round = 0; round < 3 && a.Summary() != b.Summary(); round++)
                Exchange(a, b);

            var everything = Contents(Merged(mine.Concat(theirs)));
            Assert.Equal(everything, Contents(a));
            Assert.Equal(everything, Contents(b));
        }, iter: Iterations);
    }

    private static void Exchange(DirectoryBook a, DirectoryBook b)
    {
        var step = DirectorySync.Hello(a);
        for (var turn = 0; step.Next is { } message; turn++)
        {
            using var doc = JsonDocument.Parse(message.ToJsonString());
            step = turn % 2 == 0 ? DirectorySync.Answer(b, doc.RootElement, T0) : DirectorySync.Continue(a, doc.RootElement, T0);
        }
    }
}

using System.Net;
using System.Text;
using CsCheck;
using Microsoft.Extensions.Logging.Abstractions;
using Mnigs.Networks.Cjdns;

namespace Mnigs.Tests.Networks.Cjdns;

/// <summary>
/// What a hostile or broken peer on the admin port gets from the codec, the client and the adapter: generated
/// and mutated bencoding (from the recorded datagrams) is either read or refused with the codec's or the
/// client's own exception, quickly; nothing else escapes.
/// </summary>
public class CjdnsHostileInputTests
{
    private static readonly byte[][] Recorded = [.. CjdnsFixtures.AllDatagrams()];

    private static readonly byte[] Significant = "ilde0123456789:-"u8.ToArray();

    /// <summary>(kind, position, byte) edits applied in turn.</summary>
    private static readonly Gen<(int Kind, int At, byte Value)[]> Mutations =
        Gen.Select(Gen.Int[0, 5], Gen.Int[0, 100_000], Gen.Byte).Array[1, 6];

    private static byte[] Mutate(byte[] original, (int Kind, int At, byte Value)[] edits)
    {
        var bytes = new List<byte>(original);
        foreach (var (kind, at, value) in edits)
        {
            var i = bytes.Count == 0 ? 0 : at % bytes.Count;
            switch (kind)
            {
                case 0 when bytes.Count > 0:
                    bytes[i] = value;
                    break;
                case 1:
                    bytes.Insert(i, Significant[value % Significant.Length]);
                    break;
                case 2 when bytes.Count > 0:
                    bytes.RemoveAt(i);
                    break;
                case 3:
                    bytes.RemoveRange(i, bytes.Count - i);
                    break;
                case 4:
                    bytes.InsertRange(i, bytes.Skip(i).Take(value).ToList());
                    break;
                case 5 when bytes.Count > 0:
                    bytes[i] = Significant[value % Significant.Length];
                    break;
            }
        }
        return [.. bytes];
    }

    private static readonly Gen<byte[]> MutatedDatagram =
        Gen.Select(Gen.Int[0, Recorded.Length - 1], Mutations).Select(p => Mutate(Recorded[p.Item1], p.Item2));

    /// <summary>Bytes of bencoding's own alphabet in any order, and a few long runs.</summary>
    private static readonly Gen<byte[]> Soup = Gen.Frequency(
        (5, Gen.OneOf(Significant.Select(Gen.Const).ToArray()).Array[0, 200]),
        (1, Gen.Select(Gen.OneOf(Gen.Const((byte)'l'), Gen.Const((byte)'d'), Gen.Const((byte)'9')), Gen.Int[0, 70_000]).Select(p => Enumerable.Repeat(p.Item1, p.Item2).ToArray())));

    private static readonly Gen<BencValue> Leaf = Gen.Frequency(
        (1, Gen.Long.Select(n => (BencValue)new BencInteger(n))),
        (1, Gen.Byte.Array[0, 20].Select(b => (BencValue)new BencString(b))));

    private static readonly Gen<BencValue> Value = Gen.Recursive<BencValue>((depth, self) => depth >= 4
        ? Leaf
        : Gen.Frequency(
            (3, Leaf),
            (1, self.Array[0, 5].Select(items => (BencValue)new BencList(items))),
            (1, Gen.Select(Gen.Byte.Array[0, 6], self).Array[0, 5].Select(entries =>
            {
                var d = new BencDictionary();
                foreach (var (key, item) in entries)
                    d.TryAdd(key, item);
                return (BencValue)d;
            }))));

    [Fact]
    public void Generated_values_round_trip_through_their_canonical_bytes() =>
        Value.Sample(value =>
        {
            var bytes = Bencode.Encode(value);
            Assert.Equal(bytes, Bencode.Encode(Bencode.Decode(bytes)));
        }, iter: 5_000);

    [Fact]
    public void Mutated_recorded_datagrams_are_read_or_refused_by_the_codec_only() =>
        MutatedDatagram.Sample(ReadOrRefuse, iter: 20_000, print: b => Encoding.Latin1.GetString(b));

    [Fact]
    public void Bencode_alphabet_soup_is_read_or_refused_by_the_codec_only() =>
        Soup.Sample(ReadOrRefuse, iter: 5_000, print: b => b.Length > 300 ? $"{b.Length} bytes" : Encoding.Latin1.GetString(b));

    private static void ReadOrRefuse(byte[] input)
    {
        try
        {
            var value = Bencode.Decode(input);
            // What was read writes out again and reads back the same.
            Assert.Equal(Bencode.Encode(value), Bencode.Encode(Bencode.Decode(Bencode.Encode(value))));
        }
        catch (BencodeException)
        {
        }
    }

    [Fact]
    public async Task Mutated_answers_to_every_adapter_question_are_read_or_refused_with_a_clear_error()
    {
        var recorded = Tests.Networks.Cjdns.Recorded.For(1);
        await using var cjdroute = new FakeCjdroute((_, _) => null);
        // A new adapter for every probe: its one-second cache would otherwise answer instead of cjdroute.
        CjdnsAdapter Adapter() => new(new CjdnsOptions(AdminAddress: IPAddress.Loopback, AdminPort: cjdroute.Port, AdminPassword: "NONE", Timeout: TimeSpan.FromSeconds(5)),
            NullLogger<CjdnsAdapter>.Instance);
        var questions = new Func<CjdnsAdapter, Task>[]
        {
            async a => Assert.True((await a.CheckAsync(CancellationToken.None)).Message.Length > 0),
            a => a.MyAddressesAsync(CancellationToken.None),
            a => a.NeighboursAsync(CancellationToken.None),
            a => a.NeighboursOfAsync(IPAddress.Parse(CjdnsFixtures.Node1), CancellationToken.None),
            a => a.ReachableHostsAsync(CancellationToken.None),
        };
        int answered = 0, refused = 0;

        await Gen.Select(Gen.Int[0, questions.Length - 1], Mutations, Gen.Bool).SampleAsync(async probe =>
        {
            var (question, edits, mutateCookie) = probe;
            cjdroute.Garbage = datagram => Answer(datagram, recorded, cjdroute.Cookie, edits, mutateCookie);
            var started = System.Diagnostics.Stopwatch.StartNew();
            try
            {
                await questions[question](Adapter());
                answered++;
            }
            catch (CjdnsAdminException e)
            {
                refused++;
                Assert.DoesNotContain("Exception", e.Message, StringComparison.Ordinal);
            }
            // Every answer carries the txid (or is unreadable), so nothing waits for the timeout.
            Assert.True(started.Elapsed < TimeSpan.FromSeconds(4), $"took {started.Elapsed}");
        }, iter: 300, threads: 1, print: p => $"question {p.Item1}, cookie mutated {p.Item3}, edits {string.Join(" ", p.Item2)}");

        // Both kinds happened: some mutations leave an answer Mnigs can still use, most do not.
        Assert.True(answered > 0 && refused > 0, $"{answered} answered, {refused} refused");
    }

    /// <summary>The recorded answer to the request, mutated; when it still reads as a dictionary, with the request's txid.</summary>
    private static byte[] Answer(byte[] datagram, Func<string, BencDictionary, BencDictionary?> recorded, string cookie, (int, int, byte)[] edits, bool mutateCookie)
    {
        var request = CjdnsFixtures.Decoded(datagram);
        var isCookie = request.Text("q") == "cookie";
        var answer = isCookie
            ? new BencDictionary { ["cookie"] = cookie }
            : recorded(request.Text("aq")!, request.Dictionary("args") ?? new BencDictionary()) ?? new BencDictionary { ["error"] = "none" };
        var bytes = isCookie && !mutateCookie ? Bencode.Encode(answer) : Mutate(Bencode.Encode(answer), edits);
        if (Bencode.TryDecode(bytes, out var value, out _) && value is BencDictionary mutated)
        {
            mutated["txid"] = request["txid"];
            return CjdrouteWire.Encode(mutated);
        }
        return bytes;
    }

    [Fact]
    public async Task A_flood_of_answers_to_other_calls_ends_at_the_timeout()
    {
        await using var cjdroute = new FakeCjdroute((_, _) => null)
        {
            Garbage = _ => CjdrouteWire.Encode(new BencDictionary { ["cookie"] = "1753476161", ["txid"] = "someone else" }),
        };
        var started = System.Diagnostics.Stopwatch.StartNew();

        await Assert.ThrowsAsync<CjdnsAdminException>(() => cjdroute.Client(timeout: TimeSpan.FromMilliseconds(300)).CallAsync("ping", null, CancellationToken.None));

        Assert.True(started.Elapsed < TimeSpan.FromSeconds(2));
    }
}

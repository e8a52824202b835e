using System.Diagnostics;
using System.Globalization;
using System.Text;
using CsCheck;
using Microsoft.Extensions.Logging.Abstractions;
using Mnigs.Networks.BatmanAdv;
using Mnigs.Platform;
using static Mnigs.Tests.Networks.BatmanAdv.BatmanAdvFixtures;

namespace Mnigs.Tests.Networks.BatmanAdv;

/// <summary>
/// Whatever batctl or ip print (a newer version, a broken pipe, a hostile bat-hosts file), reading it never throws
/// anything but a <see cref="BatctlException"/> from the adapter, never a parser exception, and never hangs.
/// Inputs are rows generated in batctl's printf formats and the fixtures mutated.
/// </summary>
public class BatmanAdvFuzzTests
{
    /// <summary>Far above what a few hundred bytes of text may take; a runaway regex would take seconds.</summary>
    private static readonly TimeSpan Slow = TimeSpan.FromSeconds(1);

    private static readonly string[] TableFiles = [.. Tables()];

    private static readonly string[] JsonFiles = ["ip-address.json", "ip-neigh.json"];

    private static readonly Dictionary<string, string> Texts =
        TableFiles.Concat(JsonFiles).ToDictionary(f => f, Read, StringComparer.Ordinal);

    // ---- generated rows: every value batctl can print reads back as printed ----

    private static readonly Gen<ulong> MacValue = Gen.ULong[0, 0xffff_ffff_ffffUL];

    private static readonly Gen<string> InterfaceName =
        Gen.Char["abcdefghijklmnopqrstuvwxyz0123456789._-"].Array[1, 15].Select(c => new string(c));

    private static readonly Gen<(int Seconds, int Milliseconds)> LastSeen = Gen.Select(Gen.Int[0, 9_999_999], Gen.Int[0, 999]);

    private static string M(ulong value) => new MacAddress(value).ToString();

    private static string F(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    [Fact]
    public void Generated_batman_iv_originator_rows_read_back()
    {
        Gen.Select(Gen.Bool, MacValue, LastSeen, Gen.Int[0, 255], MacValue, InterfaceName).Sample((best, orig, seen, tq, hop, ifname) =>
        {
            var line = F($" {(best ? '*' : ' ')} {M(orig)} {seen.Seconds,4}.{seen.Milliseconds:D3}s   ({tq,3}) {M(hop)} [{ifname,10}]\n");

            var row = Assert.Single(BatctlText.Originators(line).Rows);

            Assert.Equal(new BatmanAdvOriginator(new(orig), Seen(seen), tq, null, new(hop), ifname, best), row);
        }, iter: 1000);
    }

    [Fact]
    public void Generated_batman_v_originator_and_neighbour_rows_read_back()
    {
        Gen.Select(MacValue, LastSeen, Gen.UInt[0, 4_294_967], Gen.Int[0, 9], MacValue, InterfaceName).Sample((orig, seen, mbits, tenth, hop, ifname) =>
        {
            var originator = F($" * {M(orig)} {seen.Seconds,4}.{seen.Milliseconds:D3}s ({mbits,9}.{tenth}) {M(hop)} [{ifname,10}]\n");
            var neighbour = F($"{M(hop)} {seen.Seconds,4}.{seen.Milliseconds:D3}s ({mbits,9}.{tenth}) [{ifname,10}]\n");

            var o = Assert.Single(BatctlText.Originators(originator).Rows);
            var n = Assert.Single(BatctlText.Neighbours(neighbour).Rows);

            Assert.Equal(mbits + tenth / 10.0, o.ThroughputMbits);
            Assert.Equal(new BatmanAdvNeighbour(new(hop), ifname, Seen(seen), mbits + tenth / 10.0), n);
        }, iter: 1000);
    }

    [Fact]
    public void Generated_batman_iv_neighbour_rows_read_back()
    {
        Gen.Select(InterfaceName, MacValue, LastSeen).Sample((ifname, mac, seen) =>
        {
            var line = F($"   {ifname,10}\t  {M(mac)} {seen.Seconds,4}.{seen.Milliseconds:D3}s\n");

            Assert.Equal(new BatmanAdvNeighbour(new(mac), ifname, Seen(seen), null), Assert.Single(BatctlText.Neighbours(line).Rows));
        }, iter: 1000);
    }

    [Fact]
    public void Generated_gateway_rows_read_back()
    {
        Gen.Select(Gen.Bool, MacValue, Gen.Int[0, 255], MacValue, InterfaceName, Gen.UInt[0, 429_496_729], Gen.UInt[0, 429_496_729])
            .Sample((best, gw, tq, hop, ifname, down, up) =>
            {
                var line = F($"{(best ? '*' : ' ')} {M(gw)} ({tq,3}) {M(hop)} [{ifname,10}]: {down / 10}.{down % 10}/{up / 10}.{up % 10} MBit\n");

                var row = Assert.Single(BatctlText.Gateways(line).Rows);

                Assert.Equal(new BatmanAdvGateway(new(gw), tq, null, new(hop), ifname, down / 10 + down % 10 / 10.0, up / 10 + up % 10 / 10.0, best), row);
            }, iter: 1000);
    }

    [Fact]
    public void Generated_translation_rows_read_back()
    {
        var flags = Gen.Select(Gen.OneOf('.', 'R'), Gen.OneOf('.', 'W'), Gen.OneOf('.', 'I'), Gen.OneOf('.', 'T'),
            (r, w, i, t) => string.Concat(r, w, i, t));
        Gen.Select(Gen.Bool, MacValue, Gen.Int[-1, 4095], flags, Gen.Int[0, 255], MacValue, Gen.UInt).Sample((best, client, vid, f, ttvn, orig, crc) =>
        {
            var line = F($" {(best ? '*' : ' ')} {M(client)} {vid,4} [{f}] ({ttvn,3}) {M(orig)} ({ttvn,3}) (0x{crc:x8})\n");

            Assert.Equal(new BatmanAdvTranslation(new(client), vid, new(orig), best), Assert.Single(BatctlText.Translations(line).Rows));
        }, iter: 1000);
    }

    private static TimeSpan Seen((int Seconds, int Milliseconds) seen) =>
        TimeSpan.FromSeconds(seen.Seconds) + TimeSpan.FromMilliseconds(seen.Milliseconds);

    // ---- mutated fixtures: never an exception, never a hang ----

    /// <summary>Characters that matter to the formats, plus any at all.</summary>
    private static readonly Gen<char> Chars = Gen.Frequency(
        (6, Gen.Char[" \t\n\r*()[]:./-0159afx\"{},"]),
        (2, Gen.Char['\0', '\u00ff']),
        (1, Gen.Char));

    private static readonly Gen<(int Kind, int At, char C, int Length)> Mutation =
        Gen.Select(Gen.Int[0, 7], Gen.Int[0, int.MaxValue], Chars, Gen.Int[1, 3000]);

    /// <summary>One to six edits of the text: delete, insert, replace, cut, repeat a line, long runs of digits or of one character.</summary>
    private static string Mutate(string text, (int Kind, int At, char C, int Length)[] mutations)
    {
        var s = new StringBuilder(text);
        foreach (var (kind, at, c, length) in mutations)
        {
            var i = s.Length == 0 ? 0 : at % (s.Length + 1);
            switch (kind)
            {
                case 0 when i < s.Length:
                    s.Remove(i, 1);
                    break;
                case 1:
                    s.Insert(i, c);
                    break;
                case 2 when i < s.Length:
                    s[i] = c;
                    break;
                case 3:
                    s.Length = i;
                    break;
                case 4:
                    var lines = s.ToString().Split('\n');
                    var line = lines[at % lines.Length];
                    s.Insert(i, line + "\n" + line + "\n");
                    break;
                case 5:
                    s.Insert(i, new string('9', length % 40 + 1));
                    break;
                case 6:
                    s.Insert(i, new string(c, length));
                    break;
                default:
                    s.Insert(i, string.Concat(Enumerable.Repeat("02:ba:7a:00:00:02 ", length % 50)));
                    break;
            }
        }
        return s.ToString();
    }

    private static readonly Gen<string> MutatedTable =
        Gen.Select(Gen.Int[0, TableFiles.Length - 1], Mutation.Array[1, 6], (file, edits) => Mutate(Texts[TableFiles[file]], edits));

    private static readonly Gen<string> MutatedJson =
        Gen.Select(Gen.Int[0, JsonFiles.Length - 1], Mutation.Array[1, 6], (file, edits) => Mutate(Texts[JsonFiles[file]], edits));

    [Fact]
    public void Mutated_tables_give_rows_or_skipped_lines_to_every_parser()
    {
        MutatedTable.Sample(text =>
        {
            var lines = text.Split('\n').Length;
            var clock = Stopwatch.StartNew();

            var counts = new[]
            {
                Counted(BatctlText.Originators(text)), Counted(BatctlText.Neighbours(text)), Counted(BatctlText.Gateways(text)),
                Counted(BatctlText.Translations(text)), Counted(BatctlText.Interfaces(text)),
            };

            Assert.True(clock.Elapsed < Slow, $"parsing took {clock.Elapsed}");
            Assert.All(counts, n => Assert.InRange(n, 0, lines));
        }, iter: 3000, print: Show);
    }

    private static int Counted<T>(BatctlTable<T> table)
    {
        Assert.All(table.Rows, row => Assert.NotNull(row));
        Assert.True(table.Skipped == 0 || table.FirstSkipped is { Length: <= 123 }, "the first skipped line is kept short");
        return table.Rows.Count + table.Skipped;
    }

    [Fact]
    public void Mutated_ip_json_gives_a_link_or_an_error_value()
    {
        MutatedJson.Sample(json =>
        {
            var (link, linkError) = MeshLink.FromAddressJson(json);
            var (neighbours, neighbourError) = MeshLink.NeighboursFromJson(json);

            Assert.True(link is not null || linkError is not null);
            Assert.True(neighbourError is null || neighbours.Count == 0);
        }, iter: 3000, print: Show);
    }

    [Fact]
    public async Task An_adapter_fed_mutated_output_answers_or_throws_only_BatctlException()
    {
        var commands = new (string Command, string File)[]
        {
            ($"{Batctl} meshif bat0 interface", "iv.interface.txt"),
            ("ip -j address show dev bat0", "ip-address.json"),
            ($"{Batctl} meshif bat0 originators -n -H", "iv.originators.txt"),
            ($"{Batctl} meshif bat0 neighbors -n -H", "iv.neighbors.txt"),
            ($"{Batctl} meshif bat0 gateways -n -H", "iv.gateways.txt"),
            ($"{Batctl} meshif bat0 transglobal -n -H -u", "iv.transglobal.txt"),
            ("ip -j neigh show dev bat0", "ip-neigh.json"),
        };
        // Per command: untouched, mutated, or failed with a mutated message.
        var answer = Gen.Select(Gen.Int[0, 9], Mutation.Array[1, 4], Gen.Int[1, 255]);
        await answer.Array[commands.Length].SampleAsync(async answers =>
        {
            var runner = Mesh();
            for (var i = 0; i < commands.Length; i++)
            {
                var (kind, edits, code) = answers[i];
                var text = Read(commands[i].File);
                runner.Answer(commands[i].Command, kind switch
                {
                    < 3 => CommandResult.Output(text),
                    < 9 => CommandResult.Output(Mutate(text, edits)),
                    _ => CommandResult.Fail(code, Mutate("Error - interface bat0 is not present or not a batman-adv interface\n", edits)),
                });
            }
            var adapter = new BatmanAdvAdapter(Options(), runner, NullLogger<BatmanAdvAdapter>.Instance);

            var health = await adapter.CheckAsync(CancellationToken.None);

            Assert.False(string.IsNullOrWhiteSpace(health.Message));
            foreach (var question in new Func<Task>[]
            {
                () => adapter.MyAddressesAsync(CancellationToken.None), () => adapter.NeighboursAsync(CancellationToken.None),
                () => adapter.ReachableHostsAsync(CancellationToken.None), () => adapter.ExitHintsAsync(CancellationToken.None),
            })
            {
                try
                {
                    await question();
                }
                catch (BatctlException)
                {
                    // The reading failed: the same plain message CheckAsync gave.
                }
            }
        }, iter: 600, threads: 1);
    }

    private static string Show(string text) => text.Length <= 600 ? text : text[..600] + "...";
}

using System.Diagnostics;
using System.Globalization;
using System.Text;
using CsCheck;
using Microsoft.Extensions.Logging.Abstractions;
using Mnigs.Networks.Olsr;

namespace Mnigs.Tests.Networks.Olsr;

/// <summary>
/// What a broken or hostile olsrd (or whatever else answers on its port) may send: generated answers in olsrd's
/// vocabulary, and the recorded answers mutated. Every parser either reads it or throws
/// <see cref="OlsrJsonInfoException"/>, never anything else, and never takes long.
/// </summary>
public sealed class OlsrFuzzTests
{
    private const int Iterations = 3000;

    private static readonly TimeSpan Slowest = TimeSpan.FromSeconds(2);

    private static readonly string[] Fixtures = [.. OlsrFixtures.All().Select(f => File.ReadAllText(Path.Combine(OlsrFixtures.Directory, f)))];

    private static readonly string[] Sections =
        ["links", "neighbors", "topology", "routes", "hna", "gateways", "interfaces", "config", "version", "data", "error", "ipv4", "ipv6", "olsrInterface"];

    private static readonly string[] Fields =
    [
        "localIP", "remoteIP", "lastHopIP", "destinationIP", "destination", "genmask", "gateway", "ipAddress", "ipv4Address", "ipv6Address",
        "linkCost", "tcEdgeCost", "rtpMetricCost", "etx", "pathcost", "tcPathCost", "linkQuality", "neighborLinkQuality", "metric", "hops",
        "hopCount", "symmetric", "willingness", "originator", "selected", "IPv4", "IPv6", "ipv4", "ipv6", "ipv4Status", "olsrInterface",
        "ifName", "currentLinkStatus", "networkInterface", "up", "state", "name", "mainIp", "mainIpAddress", "ipVersion", "version",
        "releaseVersion", "olsrdVersion", "prefix", "prefixLen",
    ];

    private static readonly string[] Values =
    [
        "\"10.77.12.1\"", "\"10.77.23.3\"", "\"fd78:12::2\"", "\"0.0.0.0\"", "\"::\"", "\"10\"", "\"10.0.0.0/8\"", "\"::/0\"", "\"fe80::1%eth0\"",
        "\"255.255.255.0\"", "\"255.0.255.0\"", "\"999.1.1.1\"", "\"\"", "\"SYMMETRIC\"", "\"up\"", "\"s\"", "\"yes\"", "\"4.5\"", "\"1e999\"",
        "\"NaN\"", "\"-Infinity\"", "0", "1", "-1", "32", "128", "129", "4.479492", "3005", "4194304", "4294967295.000000", "1e308", "-1e308",
        "1e999", "12345678901234567890123", "0.000000001", "true", "false", "null", "[]", "{}", "[\"10.0.0.1\"]", "\"\\u0000\"", "\"\\ud800\"",
    ];

    private static readonly Gen<string> Value = Gen.Frequency(
        (8, Gen.OneOf(Values)),
        (1, Gen.Double.Select(d => double.IsFinite(d) ? d.ToString("R", CultureInfo.InvariantCulture) : "0")),
        (1, Gen.String.Select(Quote)));

    /// <summary>An entry as olsrd prints them: fields of its vocabulary, any of its values.</summary>
    private static readonly Gen<string> Entry = Gen.Select(Gen.OneOf(Fields), Value).Array[0, 8]
        .Select(fields => "{" + string.Join(",", fields.Select(f => Quote(f.Item1) + ":" + f.Item2)) + "}");

    private static readonly Gen<string> SectionValue = Gen.Frequency(
        (6, Entry.Array[0, 6].Select(entries => "[" + string.Join(",", entries) + "]")),
        (2, Entry),
        (1, Gen.Select(Gen.OneOf(Sections), Entry.Array[0, 3]).Array[0, 3]
            .Select(parts => "[" + string.Join(",", parts.Select(p => "{" + Quote(p.Item1) + ":[" + string.Join(",", p.Item2) + "]}")) + "]")),
        (1, Value));

    private static readonly Gen<string> Answer = Gen.Frequency(
        (10, Gen.Select(Gen.OneOf(Sections), SectionValue).Array[0, 5]
            .Select(sections => "{\"pid\": 1," + string.Join(",", sections.Select(s => Quote(s.Item1) + ":" + s.Item2)) + "}")),
        (1, Gen.Int[1, 5000].Select(n => new string('[', n) + new string(']', n))),
        (1, Gen.Int[1, 5000].Select(n => string.Concat(Enumerable.Repeat("{\"links\":", n)) + "[]" + new string('}', n))),
        (1, Value));

    /// <summary>A recorded answer with up to four cuts, insertions, duplications or replacements.</summary>
    private static readonly Gen<string> Mutated = Gen.Select(
        Gen.OneOf(Fixtures),
        Gen.Select(Gen.Int[0, 4], Gen.Double[0, 1], Gen.Int[0, 40], Gen.OneOf(["\"", "{", "}", "[", "]", ",", ":", "null", "1e999", "-", "\\", "\"\\u", "\n", "\0"])).Array[0, 4],
        (text, mutations) =>
        {
            var s = text;
            foreach (var (kind, at, length, token) in mutations)
            {
                var start = (int)(at * s.Length);
                var count = Math.Min(length, s.Length - start);
                s = kind switch
                {
                    0 => s.Remove(start, count),
                    1 => s.Insert(start, token),
                    2 => s.Insert(start, s.Substring(start, count)),
                    3 => s.Remove(start, count).Insert(start, token),
                    _ => s[..start],
                };
            }
            return s;
        });

    [Fact]
    public void Generated_answers_are_read_or_refused_with_a_plain_message() =>
        Answer.Sample(AcceptedOrRefused, iter: Iterations, print: s => s);

    [Fact]
    public void Mutated_recordings_are_read_or_refused_with_a_plain_message() =>
        Mutated.Sample(AcceptedOrRefused, iter: Iterations, print: s => s);

    [Fact]
    public async Task Whatever_bytes_answer_on_the_port_the_adapter_gives_a_value_or_its_own_error()
    {
        var answer = "";
        await using var olsrd = OlsrJsonInfoServer.Headerless(_ => answer);
        var bytes = Gen.Frequency(
            (2, Gen.Byte.Array[0, 300].Select(b => Encoding.Latin1.GetString(b))),
            (2, Gen.Select(Gen.OneOf(["HTTP/1.1 200 OK\r\n\r\n", "HTTP/1.1 204 No Content\r\n\r\n", "HTTP/1.0 403 Forbidden\r\n\r\n", "HTTP/1.1 x\r\n", "HTTP/"]),
                Mutated, (head, body) => head + body)),
            (1, Mutated));

        await bytes.SampleAsync(async text =>
        {
            answer = text;
            using var adapter = new OlsrAdapter(new OlsrOptions(olsrd.Url, TimeSpan.FromSeconds(2)), NullLogger<OlsrAdapter>.Instance);
            try
            {
                await adapter.ExitHintsAsync(CancellationToken.None);
            }
            catch (OlsrJsonInfoException e)
            {
                Assert.False(string.IsNullOrWhiteSpace(e.Message));
            }
        }, iter: 150, threads: 1, print: s => s);
    }

    private static void AcceptedOrRefused(string json)
    {
        foreach (var parse in OlsrAnswerTests.Parsers)
        {
            var clock = Stopwatch.StartNew();
            try
            {
                parse(json);
            }
            catch (OlsrJsonInfoException e)
            {
                Assert.False(string.IsNullOrWhiteSpace(e.Message));
                Assert.DoesNotContain('\n', e.Message);
            }
            Assert.True(clock.Elapsed < Slowest, $"parsing took {clock.Elapsed}");
        }
    }

    private static string Quote(string s)
    {
        var sb = new StringBuilder(s.Length + 2).Append('"');
        foreach (var c in s)
        {
            if (c is >= ' ' and < (char)0x7F and not '"' and not '\\')
                sb.Append(c);
            else
                sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
        }
        return sb.Append('"').ToString();
    }
}

namespace Mnigs.Tests.Networks.Babel;

/// <summary>
/// What real babeld 1.12.1 said on its local interface in the lab mesh (lab/mesh.sh; re-record with
/// Fixtures/babel/record.sh): sub — relay — gw, mesh addresses 10.77.0.1-3 and fd77::1-3.
/// </summary>
internal static class BabelFixtures
{
    public static string Read(string name) =>
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "babel", name + ".txt"));

    /// <summary>The greeting: everything up to and including the first <c>ok</c> line.</summary>
    public static string Greeting(string text) => text[..(text.IndexOf("\nok\n", StringComparison.Ordinal) + 4)];

    /// <summary>The answer to <c>dump</c>: everything after the greeting.</summary>
    public static string DumpAnswer(string text) => text[Greeting(text).Length..];
}

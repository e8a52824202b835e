using System.Text.RegularExpressions;

namespace Mnigs.Core.Host;

/// <summary>
/// Names of the interfaces Mnigs creates: PREFIX + four hex characters of the node id + a role letter
/// (g gateway, s subscriber) + an index, e.g. <c>mn3fa2s0</c>. Only names of exactly this shape are
/// Mnigs' own, so cleanup never touches an operator's interface that merely starts with the prefix.
/// </summary>
public static partial class InterfaceNames
{
    public static string For(string prefix, string tag, char role, int index) => $"{prefix}{tag}{role}{index}";

    public static bool IsOwned(string prefix, string name) =>
        name.Length <= 15 && name.StartsWith(prefix, StringComparison.Ordinal) && Shape().IsMatch(name.AsSpan(prefix.Length));

    [GeneratedRegex("^([0-9a-f]{4}[gs][0-9]{1,2}|probe0)$")]
    private static partial Regex Shape();
}

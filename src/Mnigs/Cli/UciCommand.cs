using System.CommandLine;
using Mnigs.Core.Config.Uci;

namespace Mnigs.Cli;

/// <summary>
/// <c>mnigs-cli uci [FILE] [-o OUT]</c>: OpenWrt's <c>/etc/config/mnigs</c> turned into mnigs.conf
/// (<see cref="UciConfig"/>). The procd init script runs it before every start, so a mistake in the UCI
/// file stops the start with a message naming its line, instead of the daemon running on defaults.
/// </summary>
public static class UciCommand
{
    public static Command Create()
    {
        var command = new Command("uci", "Make mnigs.conf from an OpenWrt UCI file; /etc/init.d/mnigs runs this before every start");
        var source = new Argument<string>("file") { Description = "The UCI file", Arity = ArgumentArity.ZeroOrOne, DefaultValueFactory = _ => "/etc/config/mnigs" };
        var output = new Option<string?>("-o", "--output") { Description = "Write mnigs.conf here (mode 0600) instead of printing it" };
        command.Arguments.Add(source);
        command.Options.Add(output);
        command.SetAction(r => Convert(r.GetValue(source)!, r.GetValue(output)));
        return command;
    }

    private static int Convert(string source, string? output)
    {
        if (!File.Exists(source))
        {
            Console.Error.WriteLine($"{source} does not exist");
            return 2;
        }
        var conversion = UciConfig.ToIni(File.ReadAllText(source), source);
        if (!conversion.Ok)
        {
            foreach (var error in conversion.Errors)
                Console.Error.WriteLine(error.Line > 0 ? $"{source}:{error.Line}: {error.Message}" : $"{source}: {error.Message}");
            return 2;
        }
        if (output is null)
        {
            Console.Write(conversion.Ini);
            return 0;
        }
        // Replaced whole, never half-written: the daemon may be starting from it. 0600 because it may hold cjdns.adminPassword.
        var temporary = output + ".new";
        File.WriteAllText(temporary, "");
        File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.WriteAllText(temporary, conversion.Ini);
        File.Move(temporary, output, overwrite: true);
        return 0;
    }
}

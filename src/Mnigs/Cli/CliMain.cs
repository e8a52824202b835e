using System.CommandLine;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Mnigs.Core.Config;
using Mnigs.Core.Protocol;
using Mnigs.Daemon;
using Mnigs.Rpc;
using Mnigs.Subscriber;

namespace Mnigs.Cli;

/// <summary>
/// mnigs-cli: a thin client of the daemon's admin API (the seed's flags: -f, --set, -s, -l, -c/-p/-m, -d),
/// plus `status`, `sessions`, `release`, `test`, `voucher` and `pay`. It never touches the network stack itself; --set only edits the file named with -f,
/// and the local commands `uci` (OpenWrt's UCI file made into mnigs.conf) and `completion` (shell scripts) need no daemon.
/// </summary>
public static class CliMain
{
    public static async Task<int> RunAsync(string[] args)
    {
        var file = new Option<string?>("-f", "--file") { Description = "Config file (the daemon's port is read from it)", Recursive = true };
        var json = new Option<bool>("--json") { Description = "Print the daemon's answer as JSON", Recursive = true };
        var set = new Option<string[]>("--set") { Description = "Edit the config file: section.key=value (repeatable); comments are kept" };
        var scan = new Option<bool>("-s", "--scan") { Description = "Scan the mesh for nodes and gateways" };
        var list = new Option<bool>("-l", "--list") { Description = "List known gateways: name, address, port, suites" };
        var connect = new Option<string?>("-c", "--connect") { Description = "Connect through the gateway at this mesh address, or 'auto': the best gateway, kept online by the autopilot" };
        var port = new Option<int?>("-p", "--port") { Description = "The gateway's RPC port (with -c; default: this node's rpcport)" };
        var method = new Option<string?>("-m", "--method") { Description = "Suite to use (with -c), e.g. babel-wireguard-free" };
        var disconnect = new Option<bool>("-d", "--disconnect") { Description = "Disconnect from the gateway" };

        var root = new RootCommand("mnigs-cli: control the Mnigs daemon (mesh network Internet gateway system)")
        {
            file, json, set, scan, list, connect, port, method, disconnect,
        };

        var status = new Command("status", "Show this node: networks, tunnels, gateway role, connection");
        status.SetAction((r, ct) => Run(r, file, json, (c, ct2) => c.CallAsync("status", null, ct2), Output.Status, ct));
        var sessions = new Command("sessions", "List the subscribers connected to this gateway");
        sessions.SetAction((r, ct) => Run(r, file, json, (c, ct2) => c.CallAsync("listSessions", null, ct2), Output.Sessions, ct));
        var release = new Command("release", "Release one subscriber's session on this gateway");
        var sidArg = new Argument<string>("sid") { Description = "Session id (from `sessions`)" };
        release.Arguments.Add(sidArg);
        release.SetAction((r, ct) => Run(r, file, json,
            (c, ct2) => c.CallAsync("releaseSession", new JsonObject { ["sid"] = r.GetValue(sidArg) }, ct2), _ => "Released", ct));
        var test = new Command("test", "Test known gateways now: probes over the mesh, a short test tunnel, its throughput");
        var gatewayArg = new Argument<string?>("gateway") { Description = "Id, name or address of one gateway (default: every known gateway)", Arity = ArgumentArity.ZeroOrOne };
        var noThroughput = new Option<bool>("--no-throughput") { Description = "Skip the download through the test tunnel" };
        test.Arguments.Add(gatewayArg);
        test.Options.Add(noThroughput);
        test.SetAction((r, ct) =>
        {
            var p = new JsonObject { ["throughput"] = !r.GetValue(noThroughput) };
            if (r.GetValue(gatewayArg) is { } g)
                p["gateway"] = g;
            // Test tunnels go one at a time (a name may match several gateways), each bounded by the daemon: wait for all of them.
            var timeout = TimeSpan.FromSeconds(30) + (GatewayTester.MaxGateways * (GatewayTester.TunnelTestTimeout + TimeSpan.FromSeconds(5)));
            return Run(r, file, json, (c, ct2) => c.CallAsync("testGateways", p, ct2), GatewayTestTable.Render, ct, timeout);
        });
        root.Subcommands.Add(status);
        root.Subcommands.Add(sessions);
        root.Subcommands.Add(release);
        root.Subcommands.Add(test);
        root.Subcommands.Add(VoucherCommands.Voucher(file, json));
        root.Subcommands.Add(VoucherCommands.Pay(file, json));
        root.Subcommands.Add(UciCommand.Create());
        root.Subcommands.Add(CompletionCommand.Create());

        root.SetAction(async (r, ct) =>
        {
            var path = r.GetValue(file);
            var assignments = r.GetValue(set) ?? [];
            if (assignments.Length > 0)
                return EditConfig(path, assignments);
            if (r.GetValue(scan))
                return await Run(r, file, json, ScanWithProgressAsync, Output.Scan, ct);
            if (r.GetValue(list))
                return await Run(r, file, json, (c, ct2) => c.CallAsync("listGateways", null, ct2), Output.Gateways, ct);
            if (r.GetValue(connect) is { } address)
            {
                var p = address == "auto" ? new JsonObject() : new JsonObject { ["address"] = address };
                if (r.GetValue(port) is { } gp)
                    p["port"] = gp;
                if (r.GetValue(method) is { } m)
                    p["suite"] = m;
                return await Run(r, file, json, (c, ct2) => c.CallAsync("connect", p, ct2), Output.Connected, ct);
            }
            if (r.GetValue(disconnect))
                return await Run(r, file, json, (c, ct2) => c.CallAsync("disconnect", null, ct2), _ => "Disconnected", ct);
            return await Run(r, file, json, (c, ct2) => c.CallAsync("status", null, ct2), Output.Status, ct);
        });

        return await root.Parse(args).InvokeAsync();
    }

    /// <summary>Starts a scan and shows a progress line (on stderr, when it is a terminal) until it completes.</summary>
    private static async Task<JsonObject> ScanWithProgressAsync(AdminClient client, CancellationToken ct)
    {
        var started = await client.CallAsync("startScan", new JsonObject { ["wait"] = false }, ct);
        if (!RpcResult.IsSuccess(started))
            return started;
        var interactive = !Console.IsErrorRedirected;
        while (true)
        {
            await Task.Delay(200, ct);
            var status = await client.CallAsync("status", null, ct);
            if (status["scan"] is not JsonObject progress)
                break;
            if (interactive)
                Console.Error.Write($"\rScanning: depth {progress["depth"]}, {progress["probed"]}/{progress["known"]} hosts probed, {progress["gateways"]} gateways   ");
        }
        if (interactive)
            Console.Error.Write("\r" + new string(' ', 72) + "\r");
        return await client.CallAsync("lastScan", null, ct);
    }

    private static int EditConfig(string? path, string[] assignments)
    {
        if (path is null)
        {
            Console.Error.WriteLine("--set needs the config file: mnigs-cli -f FILE --set section.key=value");
            return 2;
        }
        var text = File.Exists(path) ? File.ReadAllText(path) : "";
        foreach (var assignment in assignments)
        {
            var edit = ConfigEditor.Apply(text, assignment);
            if (!edit.Ok)
            {
                Console.Error.WriteLine($"{path}: {edit.Error}");
                return 2;
            }
            text = edit.Text;
        }
        File.WriteAllText(path, text);
        Console.WriteLine($"Saved {path}; restart the daemon for the change to take effect");
        return 0;
    }

    internal static async Task<int> Run(ParseResult r, Option<string?> file, Option<bool> json,
        Func<AdminClient, CancellationToken, Task<JsonObject>> call, Func<JsonObject, string> render, CancellationToken ct,
        TimeSpan? timeout = null)
    {
        var loaded = ConfigFile.Load(r.GetValue(file));
        if (loaded.Error is not null)
        {
            Console.Error.WriteLine(loaded.Error);
            return 2;
        }
        using var http = new HttpClient { Timeout = timeout ?? TimeSpan.FromSeconds(120) };
        var client = new AdminClient(new RpcClient(http), RpcClient.EndpointOf(IPAddress.Loopback, loaded.Config!.RpcPort));
        JsonObject result;
        try
        {
            result = await call(client, ct);
        }
        catch (RpcClientException e)
        {
            Console.Error.WriteLine($"mnigs-cli: the daemon did not answer: {e.Message}");
            return 3;
        }
        if (r.GetValue(json))
            Console.WriteLine(result.ToJsonString(new JsonSerializerOptions { WriteIndented = true, TypeInfoResolver = System.Text.Json.Serialization.Metadata.JsonTypeInfoResolver.Combine() }));
        if (!RpcResult.IsSuccess(result))
        {
            Console.Error.WriteLine($"mnigs-cli: {RpcResult.ErrorOf(result)}");
            return 1;
        }
        if (!r.GetValue(json))
            Console.WriteLine(render(result));
        return 0;
    }
}

using Mnigs.Tunnels.SoftEther;

namespace Mnigs.Tests.Tunnels.SoftEther;

/// <summary>vpncmd's batch output, as the real SoftEther 5.01 printed it (Fixtures), read the way Mnigs relies on.</summary>
public sealed class VpnCmdTranscriptTests
{
    [Fact]
    public void The_setup_batch_ran_every_command_without_an_error()
    {
        var transcript = VpnCmdTranscript.Parse(SoftEtherFixtures.Vpncmd("server-setup"));

        Assert.Null(transcript.ConnectionError);
        Assert.Equal(
            ["HubCreate", "Hub", "ExtOptionSet", "SecureNatDisable", "LogDisable", "LogDisable", "GroupCreate", .. Enumerable.Repeat("GroupPolicySet", 9), "BridgeCreate", "Flush"],
            transcript.Replies.Select(r => r.Name));
        Assert.All(transcript.Replies, r => Assert.True(r.Ok, r.Command));
    }

    [Fact]
    public void Users_sessions_and_bridges_are_read_from_their_csv_tables()
    {
        var transcript = VpnCmdTranscript.Parse(SoftEtherFixtures.Vpncmd("server-view-connected"));

        Assert.Equal(["s0123456789abcdef", "sfedcba9876543210"], transcript.Reply("UserList")!.Table().Select(r => r["User Name"]));
        Assert.Equal("1,656", transcript.Reply("UserList")!.Table()[0]["Transfer Bytes"]);
        var sessions = transcript.Reply("SessionList")!.Table();
        Assert.Equal(["Local Bridge", "s0123456789abcdef"], sessions.Select(r => r["User Name"]));
        Assert.Equal("SID-S0123456789ABCDEF-3", sessions[1]["Session Name"]);
        Assert.Equal("10.77.0.1", sessions[1]["Source Host Name"]);
        var bridge = Assert.Single(transcript.Reply("BridgeList")!.Table());
        Assert.Equal("mnigs", bridge["Virtual Hub Name"]);
        Assert.Equal("Operating", bridge["Status"]);
    }

    [Fact]
    public void Empty_tables_have_no_rows()
    {
        var transcript = VpnCmdTranscript.Parse(SoftEtherFixtures.Vpncmd("server-view-empty"));

        Assert.Empty(transcript.Reply("UserList")!.Table());
        Assert.Equal(["Local Bridge"], transcript.Reply("SessionList")!.Table().Select(r => r["User Name"]));
    }

    [Fact]
    public void A_missing_hub_is_error_8_and_the_commands_after_it_have_no_table()
    {
        var transcript = VpnCmdTranscript.Parse(SoftEtherFixtures.Vpncmd("server-view-no-hub"));

        var hub = transcript.Reply("Hub")!;
        Assert.Equal(VpnCmdError.HubNotFound, hub.Error!.Code);
        Assert.Equal("The specified Virtual Hub does not exist on the server.", hub.Error.Message);
        Assert.Empty(transcript.Reply("UserList")!.Table());
        Assert.Empty(transcript.Reply("BridgeList")!.Table());
    }

    [Fact]
    public void Deleting_a_user_that_is_gone_is_error_29_and_the_rest_of_the_batch_still_runs()
    {
        var transcript = VpnCmdTranscript.Parse(SoftEtherFixtures.Vpncmd("server-remove-user"));

        Assert.Equal(["Hub", "UserDelete", "SessionDisconnect", "UserDelete", "Flush"], transcript.Replies.Select(r => r.Name));
        Assert.Equal([null, null, null, VpnCmdError.ObjectNotFound, null], transcript.Replies.Select(r => r.Error?.Code));
        Assert.Equal("Object not found.", transcript.Replies[3].Error!.Message);
    }

    [Fact]
    public void A_port_nobody_listens_on_is_a_connection_error_before_any_command()
    {
        var transcript = VpnCmdTranscript.Parse(SoftEtherFixtures.Vpncmd("connect-refused"));

        Assert.Empty(transcript.Replies);
        Assert.Equal(VpnCmdError.ConnectFailed, transcript.ConnectionError!.Code);
        Assert.StartsWith("Connection to the server failed.", transcript.ConnectionError.Message);
    }

    [Fact]
    public void A_client_with_a_password_is_reached_after_its_first_refusal()
    {
        var transcript = VpnCmdTranscript.Parse(SoftEtherFixtures.Vpncmd("client-version"));

        Assert.Null(transcript.ConnectionError);
        Assert.Equal("Version 5.01 Build 9674   (English)", transcript.Reply("VersionGet")!.Item("Version Information"));
    }

    [Fact]
    public void The_session_status_says_when_the_session_is_established()
    {
        var established = VpnCmdTranscript.Parse(SoftEtherFixtures.Vpncmd("client-status-established")).Reply("AccountStatusGet")!;
        var retrying = VpnCmdTranscript.Parse(SoftEtherFixtures.Vpncmd("client-status-retrying")).Reply("AccountStatusGet")!;
        var refused = VpnCmdTranscript.Parse(SoftEtherFixtures.Vpncmd("client-status-wrong-certificate")).Reply("AccountStatusGet")!;

        Assert.Equal("Connection Completed (Session Established)", established.Item("Session Status"));
        Assert.Equal("TCP Port 5555", established.Item("Port Number"));
        Assert.Equal("Retrying", retrying.Item("Session Status"));
        Assert.Null(refused.Item("Session Status"));
        Assert.Equal(37, refused.Error!.Code);
        Assert.Equal("The specified VPN Connection Setting is not connected.", refused.Error.Message);
    }

    [Fact]
    public void Client_errors_carry_softethers_codes()
    {
        var again = VpnCmdTranscript.Parse(SoftEtherFixtures.Vpncmd("client-setup-again"));
        var missing = VpnCmdTranscript.Parse(SoftEtherFixtures.Vpncmd("client-account-missing"));

        Assert.Equal([30, 34], again.Replies.Select(r => r.Error!.Code));
        Assert.Equal("A Virtual Network Adapter with the specified name already exists. Specify a different name.", again.Replies[0].Error!.Message);
        Assert.Equal(36, missing.Reply("AccountStatusGet")!.Error!.Code);
        Assert.Equal("The specified VPN Connection Setting does not exist. (SoftEther error 36)", missing.Reply("AccountStatusGet")!.Error!.ToString());
    }

    [Fact]
    public void A_server_started_from_mnigs_configuration_listens_once_and_speaks_no_other_protocol()
    {
        // Recorded from a vpnserver started with the file SoftEtherConfigFiles.Server writes.
        var transcript = VpnCmdTranscript.Parse(SoftEtherFixtures.Vpncmd("server-as-configured"));

        Assert.Equal("False", transcript.Replies[0].Table().Single(r => r["Name"] == "Enabled")["Value"]);
        Assert.Equal("False", transcript.Replies[1].Table().Single(r => r["Name"] == "Enabled")["Value"]);
        Assert.Equal("Unsupported.", transcript.Reply("DynamicDnsGetStatus")!.Error!.Message);
        Assert.Equal("TCP 5555", Assert.Single(transcript.Reply("ListenerList")!.Table())["Port Number"]);
        var config = SoftEtherConfigFiles.Server(5555, SoftEtherFixtures.ServerAdmin, [1], [2]);
        Assert.Contains("\t\t\tdeclare OpenVPN\n\t\t\t{\n\t\t\t\tbool Enabled false\n", config);
        Assert.Contains("\tdeclare DDnsClient\n\t{\n\t\tbool Disabled true\n", config);
    }

    [Fact]
    public void Quoted_csv_fields_keep_their_commas_and_quotes()
    {
        Assert.Equal(["a", "1,492", "say \"hi\"", ""], VpnCmdReply.Csv("a,\"1,492\",\"say \"\"hi\"\"\","));
    }
}

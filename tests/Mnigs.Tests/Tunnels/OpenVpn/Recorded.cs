namespace Mnigs.Tests.Tunnels.OpenVpn;

/// <summary>
/// What openvpn 2.6.14 (Debian 12, OpenSSL 3) said on its management socket in a namespace pair on this machine, with
/// a server started as Mnigs starts it and a client holding a certificate the gateway issued: the CLIENT:CONNECT of
/// that client, the status of the server with it connected, and the client's states up to CONNECTED. The values that
/// differ per connection (certificate, common name, address, client id) are parameters.
/// </summary>
internal static class Recorded
{
    public static readonly IReadOnlyList<string> StatusNoClients =
    [
        "TITLE\tOpenVPN 2.6.14 x86_64-pc-linux-gnu [SSL (OpenSSL)] [LZO] [LZ4] [EPOLL] [PKCS11] [MH/PKTINFO] [AEAD] [DCO]",
        "TIME\t2026-11-25 14:25:07\t1795616707",
        "HEADER\tCLIENT_LIST\tCommon Name\tReal Address\tVirtual Address\tVirtual IPv6 Address\tBytes Received\tBytes Sent\tConnected Since\tConnected Since (time_t)\tUsername\tClient ID\tPeer ID\tData Channel Cipher",
        "HEADER\tROUTING_TABLE\tVirtual Address\tCommon Name\tReal Address\tLast Ref\tLast Ref (time_t)",
        "GLOBAL_STATS\tMax bcast/mcast queue length\t1",
        "GLOBAL_STATS\tdco_enabled\t0",
    ];

    /// <summary><c>status 3</c> with the given clients connected (client id, common name, real address).</summary>
    public static IReadOnlyList<string> Status(params (uint Cid, string CommonName, string From)[] clients) =>
    [
        .. StatusNoClients.Take(3),
        .. clients.Select(c =>
            $"CLIENT_LIST\t{c.CommonName}\t{c.From}:39022\t10.203.0.2\tfd6d:6e69:6775::2\t2221\t2276\t2026-11-25 14:24:54\t1795616694\tUNDEF\t{c.Cid}\t0\tAES-256-GCM"),
        StatusNoClients[3],
        .. clients.Select(c => $"ROUTING_TABLE\t10.203.0.2\t{c.CommonName}\t{c.From}:39022\t2026-11-25 14:24:59\t1795616699"),
        .. StatusNoClients.Skip(4),
    ];

    /// <summary>The &gt;CLIENT:CONNECT (or REAUTH) message of a client, ENV block included.</summary>
    public static string[] Connect(uint cid, uint kid, string fingerprint, string from, string commonName, string kind = "CONNECT") =>
    [
        $">CLIENT:{kind},{cid},{kid}",
        ">CLIENT:ENV,n_clients=0",
        ">CLIENT:ENV,password=",
        ">CLIENT:ENV,untrusted_port=39022",
        from.Contains(':') ? $">CLIENT:ENV,untrusted_ip6={from}" : $">CLIENT:ENV,untrusted_ip={from}",
        $">CLIENT:ENV,common_name={commonName}",
        ">CLIENT:ENV,username=",
        ">CLIENT:ENV,IV_PROTO=990",
        ">CLIENT:ENV,IV_CIPHERS=AES-256-GCM:AES-128-GCM:CHACHA20-POLY1305",
        ">CLIENT:ENV,IV_PLAT=linux",
        ">CLIENT:ENV,IV_VER=2.6.14",
        ">CLIENT:ENV,tls_serial_hex_0=09:4d:c6:26:5d:4d:a3:4c:ac:57:fe:c2:91:67:7b:0c:42:c0:e2:e2",
        ">CLIENT:ENV,tls_serial_0=53115335605067167798042093867142300053845107426",
        $">CLIENT:ENV,tls_digest_sha256_0={fingerprint.ToLowerInvariant()}",
        ">CLIENT:ENV,tls_digest_0=c1:c9:77:9a:6f:11:07:25:cd:15:90:dc:9c:cf:18:53:e9:21:07:0e",
        $">CLIENT:ENV,tls_id_0=CN={commonName}",
        $">CLIENT:ENV,X509_0_CN={commonName}",
        ">CLIENT:ENV,tls_digest_sha256_1=35:d2:84:94:b2:3a:3e:68:88:fd:b3:2d:5d:86:28:59:c2:4c:90:f9:c0:56:e7:ff:31:17:58:11:93:fd:f6:b2",
        ">CLIENT:ENV,tls_id_1=CN=mnigs-gateway",
        ">CLIENT:ENV,X509_1_CN=mnigs-gateway",
        ">CLIENT:ENV,remote_port_1=1194",
        ">CLIENT:ENV,local_port_1=1194",
        ">CLIENT:ENV,proto_1=udp6",
        ">CLIENT:ENV,daemon_pid=6599",
        ">CLIENT:ENV,config=server.conf",
        ">CLIENT:ENV,ifconfig_local=10.203.0.1",
        ">CLIENT:ENV,ifconfig_netmask=255.255.255.0",
        ">CLIENT:ENV,ifconfig_ipv6_local=fd6d:6e69:6775::1",
        ">CLIENT:ENV,ifconfig_ipv6_netbits=64",
        ">CLIENT:ENV,script_context=init",
        ">CLIENT:ENV,tun_mtu=1420",
        ">CLIENT:ENV,dev=mnabcdg1",
        ">CLIENT:ENV,dev_type=tun",
        ">CLIENT:ENV,redirect_gateway=0",
        ">CLIENT:ENV,END",
    ];

    /// <summary>What openvpn sends after a client it admitted is up.</summary>
    public static string[] Established(uint cid) =>
    [
        $">CLIENT:ADDRESS,{cid},10.203.0.2,1",
        $">CLIENT:ADDRESS,{cid},fd6d:6e69:6775::2,1",
        $">CLIENT:ESTABLISHED,{cid}",
        ">CLIENT:ENV,n_clients=1",
        ">CLIENT:ENV,ifconfig_pool_remote_ip=10.203.0.2",
        ">CLIENT:ENV,END",
    ];

    public static string[] Disconnect(uint cid) => [$">CLIENT:DISCONNECT,{cid}", ">CLIENT:ENV,n_clients=0", ">CLIENT:ENV,END"];

    /// <summary>A client's states after hold release, to CONNECTED (with <c>state on</c>).</summary>
    public static readonly string[] ClientStatesToConnected =
    [
        ">STATE:1795617458,WAIT,,,,,,",
        ">STATE:1795617458,AUTH,,,,,,",
        ">STATE:1795617459,GET_CONFIG,,,,,,",
        ">STATE:1795617459,ASSIGN_IP,,10.203.0.2,,,,,fd6d:6e69:6775::2",
        ">STATE:1795617459,CONNECTED,SUCCESS,10.203.0.2,10.99.0.1,1194,,,fd6d:6e69:6775::2",
    ];

    /// <summary>A client's states after hold release when the server refuses it (client-deny): AUTH_FAILED, and it exits.</summary>
    public static readonly string[] ClientStatesRefused =
    [
        ">STATE:1795619132,WAIT,,,,,,",
        ">STATE:1795619132,AUTH,,,,,,",
        ">STATE:1795619133,GET_CONFIG,,,,,,",
        ">PASSWORD:Verification Failed: 'Auth'",
        ">STATE:1795619133,EXITING,auth-failure,,,,,",
    ];
}

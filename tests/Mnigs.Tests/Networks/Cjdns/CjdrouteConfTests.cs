using System.Net;
using Mnigs.Networks.Cjdns;

namespace Mnigs.Tests.Networks.Cjdns;

public class CjdrouteConfTests
{
    /// <summary>The admin part of what cjdroute --genconf writes (client/cjdroute2.c), with a hand edit's trailing commas.</summary>
    private const string Genconf = """
        {
            // Private key:
            // Your confidentiality and data integrity depend on this key, keep it secret!
            "privateKey": "0000000000000000000000000000000000000000000000000000000000000000",
            "publicKey": "udlsh4xs3j8f1h2lg2xbnkrfkclsdvzycbl8t33zv9fq57mhpzy0.k",
            "authorizedPasswords": [
                { "password": "x//not a comment", "user": "default-login" }

                // More passwords should look like this.
                /*
                 "your.external.ip.goes.here:12345": {
                     "password": "p",
                 },
                 */
            ],
            "admin": {
                // Port to bind the admin RPC server to.
                "bind": "127.0.0.1:11235",

                /* Password for admin RPC server. */
                "password": "s3cr/*t//",
            },
        }
        """;

    [Fact]
    public void The_admin_address_and_password_come_from_a_genconf_file_with_comments_and_trailing_commas()
    {
        var endpoint = CjdrouteConf.Parse(Genconf, "/etc/cjdroute.conf");

        Assert.Equal(new CjdnsAdminEndpoint(IPAddress.Loopback, 11235, "s3cr/*t//", "/etc/cjdroute.conf"), endpoint);
    }

    [Theory]
    [InlineData("127.0.0.1:11234", "127.0.0.1", 11234)]
    [InlineData("0.0.0.0:11234", "127.0.0.1", 11234)]
    [InlineData("[::1]:11234", "::1", 11234)]
    [InlineData("[::]:9", "::1", 9)]
    [InlineData("[fc00::1]:11234", "fc00::1", 11234)]
    public void Binds_as_cjdroute_takes_them(string bind, string address, int port)
    {
        Assert.True(CjdrouteConf.TryParseBind(bind, out var a, out var p));
        Assert.Equal((IPAddress.Parse(address), port), (a, p));
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("10:11234")]
    [InlineData("::1:11234")]
    [InlineData("[::1]")]
    [InlineData("[127.0.0.1]:11234")]
    [InlineData("127.0.0.1:0")]
    [InlineData("127.0.0.1:65536")]
    [InlineData("127.0.0.1:+1")]
    [InlineData("localhost:11234")]
    [InlineData("[fe80::1%eth0]:11234")]
    public void Binds_that_are_not_an_address_and_port_are_refused(string bind) =>
        Assert.False(CjdrouteConf.TryParseBind(bind, out _, out _));

    [Theory]
    [InlineData("{", "/c.conf is not a cjdroute.conf Mnigs can read: ")]
    [InlineData("[]", "/c.conf has no \"admin\" section: cjdroute needs one with \"bind\" and \"password\"")]
    [InlineData("{\"admin\": {\"password\": \"NONE\"}}", "/c.conf has no admin.bind: cjdroute does not start without it")]
    [InlineData("{\"admin\": {\"bind\": \"here\", \"password\": \"NONE\"}}", "admin.bind \"here\" in /c.conf is not an address and port such as 127.0.0.1:11234")]
    [InlineData("{\"admin\": {\"bind\": \"127.0.0.1:11234\"}}", "/c.conf has no admin.password: cjdroute then uses a random one and nobody can use its admin interface")]
    public void A_config_without_a_usable_admin_section_says_what_is_missing(string text, string message)
    {
        var e = Assert.Throws<CjdnsAdminException>(() => CjdrouteConf.Parse(text, "/c.conf"));

        Assert.StartsWith(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_file_is_named()
    {
        var e = Assert.Throws<CjdnsAdminException>(() => CjdrouteConf.Read("/nonexistent/mnigs-test/cjdroute.conf"));

        Assert.Equal("cjdroute's config /nonexistent/mnigs-test/cjdroute.conf does not exist (set [cjdns] config to the file cjdroute runs with)", e.Message);
    }

    [Fact]
    public void A_file_is_read_from_disk()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, Genconf);

            Assert.Equal(11235, CjdrouteConf.Read(path).Port);
            Assert.Equal(path, new CjdnsOptions(ConfigFile: path).ResolveEndpoint().Source);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Without_a_config_file_the_explicit_keys_are_used_and_an_empty_password_is_cjdroutes_default()
    {
        Assert.Equal(new CjdnsAdminEndpoint(IPAddress.Loopback, 11234, "NONE", "mnigs.conf [cjdns]"), new CjdnsOptions().ResolveEndpoint());
        Assert.Equal(new CjdnsAdminEndpoint(IPAddress.IPv6Loopback, 9, "pw", "mnigs.conf [cjdns]"),
            new CjdnsOptions(AdminAddress: IPAddress.IPv6Loopback, AdminPort: 9, AdminPassword: "pw").ResolveEndpoint());
    }

    [Fact]
    public void The_password_never_shows_in_the_endpoints_text() =>
        Assert.DoesNotContain("s3cr", CjdrouteConf.Parse(Genconf, "/c.conf").ToString(), StringComparison.Ordinal);
}

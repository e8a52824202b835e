using System.Runtime.Versioning;
using System.Text;
using Mnigs.Store;
using NSec.Cryptography;

namespace Mnigs.Tests.Store;

// The daemon is Linux-only (see src/Mnigs/Properties.cs).
[SupportedOSPlatform("linux")]
public sealed class NodeKeyTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Libsodium_loads_on_this_machine()
    {
        using var key = Key.Create(SignatureAlgorithm.Ed25519);
        Assert.Equal(32, key.PublicKey.Size);
    }

    [Fact]
    public void First_start_creates_the_key_file_0600_in_a_0700_directory()
    {
        var path = _dir.File("state", "node.key");

        using var key = NodeKey.LoadOrCreate(path);

        Assert.Equal(32, new FileInfo(path).Length);
        Assert.Null(key.Warning);
        Assert.False(File.Exists(path + ".new"));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(_dir.File("state")));
    }

    [Fact]
    public void Reloading_gives_the_same_node_id()
    {
        var path = _dir.File("node.key");
        string first;
        using (var key = NodeKey.LoadOrCreate(path))
            first = key.NodeId;

        using var again = NodeKey.LoadOrCreate(path);

        Assert.Equal(first, again.NodeId);
    }

    [Fact]
    public void Node_id_is_unpadded_base64url_of_the_public_key()
    {
        using var key = NodeKey.LoadOrCreate(_dir.File("node.key"));

        Assert.Equal(43, key.NodeId.Length);
        Assert.All(key.NodeId, c => Assert.True(char.IsAsciiLetterOrDigit(c) || c is '-' or '_'));
        Assert.True(NodeKey.TryParseNodeId(key.NodeId, out var publicKey));
        Assert.Equal(32, publicKey.Length);
    }

    [Fact]
    public void Two_nodes_get_different_ids()
    {
        using var a = NodeKey.LoadOrCreate(_dir.File("a.key"));
        using var b = NodeKey.LoadOrCreate(_dir.File("b.key"));

        Assert.NotEqual(a.NodeId, b.NodeId);
    }

    [Fact]
    public void Signature_verifies_under_the_node_id()
    {
        using var key = NodeKey.LoadOrCreate(_dir.File("node.key"));
        var data = Encoding.UTF8.GetBytes("gateway record #1");

        var signature = key.Sign(data);

        Assert.Equal(64, signature.Length);
        Assert.True(NodeKey.Verify(key.NodeId, data, signature));
    }

    [Fact]
    public void Tampered_data_or_signature_fails_to_verify()
    {
        using var key = NodeKey.LoadOrCreate(_dir.File("node.key"));
        var data = Encoding.UTF8.GetBytes("gateway record #1");
        var signature = key.Sign(data);

        var tamperedData = (byte[])data.Clone();
        tamperedData[^1] ^= 1;
        var tamperedSignature = (byte[])signature.Clone();
        tamperedSignature[0] ^= 1;

        Assert.False(NodeKey.Verify(key.NodeId, tamperedData, signature));
        Assert.False(NodeKey.Verify(key.NodeId, data, tamperedSignature));
        Assert.False(NodeKey.Verify(key.NodeId, data, signature.AsSpan(0, 63)));
    }

    [Fact]
    public void Signature_of_another_node_fails_to_verify()
    {
        using var key = NodeKey.LoadOrCreate(_dir.File("a.key"));
        using var other = NodeKey.LoadOrCreate(_dir.File("b.key"));
        var data = Encoding.UTF8.GetBytes("gateway record #1");

        Assert.False(NodeKey.Verify(other.NodeId, data, key.Sign(data)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("not a node id")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB")]
    public void Malformed_node_id_fails_to_verify(string nodeId)
    {
        Assert.False(NodeKey.TryParseNodeId(nodeId, out _));
        Assert.False(NodeKey.Verify(nodeId, [1, 2, 3], new byte[64]));
    }

    [Fact]
    public void Key_file_readable_by_others_loads_with_a_warning()
    {
        var path = _dir.File("node.key");
        using (NodeKey.LoadOrCreate(path)) { }
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        using var key = NodeKey.LoadOrCreate(path);

        Assert.NotNull(key.Warning);
        Assert.Contains("chmod 600", key.Warning);
    }

    [Fact]
    public void Key_file_of_the_wrong_size_is_refused_with_a_plain_message()
    {
        var path = _dir.File("node.key");
        File.WriteAllText(path, "hello");

        var error = Assert.Throws<InvalidDataException>(() => NodeKey.LoadOrCreate(path));

        Assert.Contains("not an Ed25519 private key", error.Message);
    }
}

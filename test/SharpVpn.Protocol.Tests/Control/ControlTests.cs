using System.Text;
using SharpVpn.Protocol.Control;

namespace SharpVpn.Protocol.Tests.Control;

public class KeyMethod2RecordTests
{
    [Fact]
    public void ClientRecord_RoundTrips_AndUsesOpenVpnLayout()
    {
        var record = KeyMethod2Record.CreateClient("V4,dev-type tun", "alice", "pw", "IV_VER=2.6.14\n");
        byte[] bytes = record.ToBytes();
        Assert.Equal(new byte[] { 0, 0, 0, 0, 2 }, bytes[..5]);
        // options: u16 length including NUL right after 48 + 32 + 32 random bytes
        int pos = 5 + 48 + 64;
        Assert.Equal(16, (bytes[pos] << 8) | bytes[pos + 1]);
        Assert.Equal(0, bytes[pos + 2 + 15]);
        Assert.Equal(KeyMethod2ParseStatus.Complete, KeyMethod2Record.TryParse(bytes, true, out var parsed, out int consumed, out _));
        Assert.Equal(bytes.Length, consumed);
        Assert.Equal(record.PreMaster, parsed!.PreMaster);
        Assert.Equal(record.Random2, parsed.Random2);
        Assert.Equal("alice", parsed.Username);
        Assert.Equal("pw", parsed.Password);
        Assert.Equal("IV_VER=2.6.14\n", parsed.PeerInfo);
    }

    [Fact]
    public void ServerRecord_EmptyStringsAreZeroLengthWithoutBytes()
    {
        byte[] bytes = KeyMethod2Record.CreateServer("V4").ToBytes();
        Assert.Equal(5 + 64 + 2 + 3 + 6, bytes.Length);
        Assert.Equal(new byte[6], bytes[^6..]);
    }

    [Fact]
    public void Parse_PartialRecord_NeedsMoreData_ThenCompletes()
    {
        byte[] bytes = KeyMethod2Record.CreateServer("V4,tls-server").ToBytes();
        for (int i = 0; i < bytes.Length; i++)
        {
            Assert.Equal(KeyMethod2ParseStatus.NeedMoreData, KeyMethod2Record.TryParse(bytes.AsSpan(0, i), false, out _, out _, out _));
        }
        Assert.Equal(KeyMethod2ParseStatus.Complete, KeyMethod2Record.TryParse(bytes, false, out var r, out _, out _));
        Assert.Equal("V4,tls-server", r!.Options);
    }

    [Fact]
    public void Parse_OversizedOptionsOrKeyMethod1_IsMalformed()
    {
        byte[] bytes = KeyMethod2Record.CreateServer(new string('x', 600)).ToBytes();
        Assert.Equal(KeyMethod2ParseStatus.Malformed, KeyMethod2Record.TryParse(bytes, false, out _, out _, out string? error));
        Assert.Contains("options string", error, StringComparison.Ordinal);
        byte[] km1 = KeyMethod2Record.CreateServer("V4").ToBytes();
        km1[4] = 1;
        Assert.Equal(KeyMethod2ParseStatus.Malformed, KeyMethod2Record.TryParse(km1, false, out _, out _, out _));
    }
}

public class OccOptionsStringTests
{
    [Theory]
    // link-mtu values as OpenVPN 2.6 computes them (mtu.c calc_options_string_link_mtu); 1541/1557/1558 are the
    // well-known values of BF-CBC default, AES-256-CBC, AES-256-CBC + comp-lzo clients.
    [InlineData("BF-CBC", false, "V4,dev-type tun,link-mtu 1541,tun-mtu 1500,proto UDPv4,auth SHA1,keysize 128,key-method 2,tls-client")]
    [InlineData("AES-256-CBC", false, "V4,dev-type tun,link-mtu 1557,tun-mtu 1500,proto UDPv4,auth SHA1,keysize 256,key-method 2,tls-client")]
    [InlineData("AES-256-CBC", true, "V4,dev-type tun,link-mtu 1558,tun-mtu 1500,proto UDPv4,comp-lzo,auth SHA1,keysize 256,key-method 2,tls-client")]
    [InlineData("AES-256-GCM", false, "V4,dev-type tun,link-mtu 1534,tun-mtu 1500,proto UDPv4,cipher AES-256-GCM,auth [null-digest],keysize 256,key-method 2,tls-client")]
    public void Build_MatchesOpenVpn26(string cipher, bool comp, string expected)
    {
        // AES-256-CBC is not in the default data-ciphers, so 2.6 leaves "cipher" out.
        Assert.Equal(expected, new OccOptionsString { Cipher = cipher, CompressionFraming = comp }.Build());
    }

    [Fact]
    public void Extract_ReadsCipherAndNullCipher()
    {
        Assert.Equal("AES-256-CBC", OccOptionsString.Extract("V4,cipher AES-256-CBC,auth SHA1", "cipher"));
        Assert.Equal("none", OccOptionsString.Extract("V4,cipher [null-cipher]", "cipher"));
        Assert.Null(OccOptionsString.Extract("V4,auth SHA1", "cipher"));
        Assert.True(OccOptionsString.Has("V4,comp-lzo,auth SHA1", "comp-lzo"));
    }
}

public class CipherNegotiationTests
{
    private static readonly string[] Server26 = ["AES-256-GCM", "AES-128-GCM", "CHACHA20-POLY1305"];

    [Fact]
    public void Server_24ClientWithIvNcp2_GetsAes256Gcm()
    {
        // OpenVPN GUI 2.4.8: IV_NCP=2, no IV_CIPHERS, OCC cipher AES-256-CBC (§11.4).
        var pi = PeerInfo.Parse("IV_VER=2.4.8\nIV_PLAT=win\nIV_PROTO=2\nIV_NCP=2\n");
        Assert.Equal("AES-256-GCM", CipherNegotiation.SelectServerCipher(Server26, null, pi, "AES-256-CBC", out _));
        Assert.True(CipherNegotiation.PeerSupportsNcp(pi));
    }

    [Fact]
    public void Server_IvCiphersPresent_IgnoresOccCipher()
    {
        var pi = PeerInfo.Parse("IV_CIPHERS=CHACHA20-POLY1305\n");
        Assert.Equal("CHACHA20-POLY1305", CipherNegotiation.SelectServerCipher(Server26, null, pi, "AES-256-GCM", out _));
        Assert.Null(CipherNegotiation.SelectServerCipher(["AES-256-GCM"], "AES-256-CBC", pi, "AES-256-GCM", out string? error));
        Assert.Contains("No common cipher", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Server_NonNcpClient_OccCipherInDataCiphers_OrFallbackOnlyWithoutOcc()
    {
        var none = PeerInfo.Parse("IV_VER=2.3.18\n");
        Assert.Equal("AES-256-CBC", CipherNegotiation.SelectServerCipher(["AES-256-GCM", "AES-256-CBC"], null, none, "AES-256-CBC", out _));
        Assert.Null(CipherNegotiation.SelectServerCipher(Server26, "AES-256-CBC", none, "AES-256-CBC", out _));
        Assert.Equal("AES-256-CBC", CipherNegotiation.SelectServerCipher(Server26, "AES-256-CBC", none, null, out _));
    }

    [Fact]
    public void Client_PushedCipherMustBeAcceptable()
    {
        Assert.Equal("AES-256-GCM", CipherNegotiation.SelectClientCipher(Server26, null, "AES-256-GCM", null, out _));
        Assert.Null(CipherNegotiation.SelectClientCipher(["AES-256-GCM"], null, "AES-128-CBC", null, out string? error));
        Assert.Contains("not in data-ciphers", error, StringComparison.Ordinal);
        Assert.Equal("AES-256-CBC", CipherNegotiation.SelectClientCipher(Server26, "AES-256-CBC", null, null, out _));
    }

    [Fact]
    public void PeerInfo_Client_AnnouncesNoKeyExportAndNcp2OnlyWithBothGcm()
    {
        var text = PeerInfo.BuildClient(Server26, IvProtoFlags.DataV2 | IvProtoFlags.RequestPush | IvProtoFlags.CcExitNotify);
        var pi = PeerInfo.Parse(text);
        Assert.Equal("2", pi["IV_NCP"]);
        Assert.Equal("AES-256-GCM:AES-128-GCM:CHACHA20-POLY1305", pi["IV_CIPHERS"]);
        Assert.Equal("134", pi["IV_PROTO"]);
        Assert.Equal(0, (int)(pi.Proto & IvProtoFlags.TlsKeyExport));
        Assert.Null(PeerInfo.Parse(PeerInfo.BuildClient(["CHACHA20-POLY1305"], IvProtoFlags.DataV2))["IV_NCP"]);
    }
}

public class ControlMessageTests
{
    [Fact]
    public void Reader_SplitsAtNul_StripsCrLf_DropsNonPrintable()
    {
        var reader = new ControlMessageReader();
        Assert.Empty(reader.Add("PUSH_REQ"u8));
        var messages = reader.Add("UEST\0AUTH_FAILED,bad\r\n\0bad\u0001msg\0"u8);
        Assert.Equal(2, messages.Count);
        Assert.Equal(ControlMessageKind.PushRequest, messages[0].Kind);
        Assert.Equal(ControlMessageKind.AuthFailed, messages[1].Kind);
        Assert.Equal("bad", messages[1].Argument);
        Assert.Equal(1, reader.Discarded);
    }

    [Fact]
    public void Classify_NeedsCommaOrEndAfterPrefix()
    {
        Assert.Equal(ControlMessageKind.Info, ControlMessage.Classify("INFO,hello").Kind);
        Assert.Equal(ControlMessageKind.InfoPre, ControlMessage.Classify("INFO_PRE,x").Kind);
        Assert.Equal(ControlMessageKind.Unknown, ControlMessage.Classify("PUSH_REPLYX").Kind);
        Assert.Equal("PUSH_REQUEST\0"u8.ToArray(), ControlMessage.Encode("PUSH_REQUEST"));
    }

    [Fact]
    public void PushReply_LongList_SplitsWithContinuation_AndReassembles()
    {
        var options = Enumerable.Range(0, 80).Select(i => $"route 10.{i}.0.0 255.255.0.0").ToList();
        IReadOnlyList<string> messages = PushReply.Build(options);
        Assert.True(messages.Count > 1);
        Assert.All(messages, m => Assert.True(Encoding.ASCII.GetByteCount(m) + 1 <= 1024 - 84 + 21));
        Assert.All(messages.Take(messages.Count - 1), m => Assert.EndsWith(",push-continuation 2", m, StringComparison.Ordinal));
        Assert.EndsWith(",push-continuation 1", messages[^1], StringComparison.Ordinal);
        var assembler = new PushReplyAssembler();
        for (int i = 0; i < messages.Count; i++)
        {
            Assert.Equal(i == messages.Count - 1, assembler.Add(messages[i]));
        }
        Assert.Equal(options, assembler.Options);
    }

    [Fact]
    public void PushReply_ShortList_IsOneMessageWithoutContinuation()
    {
        IReadOnlyList<string> messages = PushReply.Build(["topology subnet", "ping 10"]);
        Assert.Equal(["PUSH_REPLY,topology subnet,ping 10"], messages);
        Assert.Equal(["PUSH_REPLY"], PushReply.Build([]));
    }
}

using System.Security.Cryptography;
using SharpVpn.Protocol.Keys;
using SharpVpn.Protocol.Tests.Wire;
using SharpVpn.Protocol.TlsWrap;
using SharpVpn.Protocol.Wire;

namespace SharpVpn.Protocol.Tests.TlsWrap;

/// <summary>The receive check path (unwrap + parse) must not allocate per packet (style.md §6).</summary>
public class AllocationTests
{
    private static long AllocatedBy(Action action, int iterations)
    {
        action(); // warm up (JIT, lazy crypto state)
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < iterations; i++)
        {
            action();
        }
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    [Fact]
    public void TlsAuthUnwrapAndParse_DoNotAllocate()
    {
        using var server = new TlsAuth(UpstreamVectors.Key, KeyDirection.Normal, HashAlgorithmName.SHA1);
        byte[] packet = UpstreamVectors.ClientAckTlsAuthRandomId;
        byte[] plain = new byte[2048];
        long bytes = AllocatedBy(() =>
        {
            Assert.True(server.TryUnwrapStateless(packet, plain, out int n, out _));
            Assert.True(ControlPacket.TryParse(plain.AsSpan(0, n), out _, out _));
        }, 1000);
        Assert.Equal(0, bytes);
    }

    [Fact]
    public void TlsCryptUnwrap_DoesNotAllocate_AndBadPacketsDoNotEither()
    {
        using var server = new TlsCrypt(UpstreamVectors.Key, isServer: true);
        byte[] packet = UpstreamVectors.ClientResetV2TlsCrypt;
        byte[] bad = (byte[])packet.Clone();
        bad[30] ^= 1;
        byte[] plain = new byte[2048];
        long bytes = AllocatedBy(() =>
        {
            Assert.True(server.TryUnwrapStateless(packet, plain, out _, out _));
            Assert.False(server.TryUnwrapStateless(bad, plain, out _, out _));
        }, 1000);
        Assert.Equal(0, bytes);
    }

    [Fact]
    public void TlsCryptV2_BogusWrappedKey_IsRejectedWithoutAllocating()
    {
        var serverKey = TlsCryptV2ServerKey.Generate();
        var client = TlsCryptV2ClientKey.Create(TlsCryptV2ServerKey.Generate(), TlsCryptV2Metadata.User([]));
        using var wrap = new TlsCryptV2ClientWrap(client);
        byte[] plain = new byte[32];
        int pn = ControlPacket.Write(plain, Opcode.ControlHardResetClientV3, 0, new SessionId(3), [], default, 0, []);
        byte[] wire = new byte[2048];
        int n = wrap.Wrap(plain.AsSpan(0, pn), wire, 1);
        byte[] packet = wire[..n];
        long bytes = AllocatedBy(() => Assert.False(TlsCryptV2ServerWrap.TryCreate(serverKey, packet, out _, out _)), 1000);
        Assert.Equal(0, bytes);
    }
}

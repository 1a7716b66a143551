using SharpVpn.Config;
using SharpVpn.Runtime.Client;
using SharpVpn.Tls;

namespace SharpVpn.Runtime.Tests;

/// <summary>
/// The client's first TLS engine is made ahead on a thread of its own (issue 7, handshake time): the session gets it
/// started, with the ClientHello queued, and only once; load errors reach the session as before.
/// </summary>
public sealed class FirstTlsEngineTests
{
    [Fact]
    public void PreparedEngine_ComesStartedFromAnotherThread_OnceThenEnginesAreNew()
    {
        var maker = new RecordingMaker();
        using var first = new FirstTlsEngine(maker.Make);
        first.BeginPrepare();
        using ITlsEngine prepared = first.Take();
        Assert.NotEqual(Environment.CurrentManagedThreadId, maker.MadeOn);
        Assert.True(prepared.PendingCiphertextBytes > 0, "the prepared engine should hold its ClientHello already");
        int hello = prepared.PendingCiphertextBytes;
        prepared.Start(); // what the session does next: must not start a second handshake
        Assert.Equal(hello, prepared.PendingCiphertextBytes);
        Assert.Equal(0x16, TakeAll(prepared)[0]); // a TLS handshake record

        using ITlsEngine later = first.Take();
        Assert.NotSame(prepared, later);
        Assert.Equal(0, later.PendingCiphertextBytes); // made on demand, not started
        Assert.Equal(Environment.CurrentManagedThreadId, maker.MadeOn);
    }

    [Fact]
    public void WithoutPreparation_TakeMakesANewEngineOnTheCallersThread()
    {
        var maker = new RecordingMaker();
        using var first = new FirstTlsEngine(maker.Make);
        using ITlsEngine engine = first.Take();
        Assert.Equal(Environment.CurrentManagedThreadId, maker.MadeOn);
        Assert.Equal(0, engine.PendingCiphertextBytes);
    }

    [Fact]
    public void LoadError_IsRethrownWhenTheSessionTakesTheEngine()
    {
        // A key of another pair: loading fails on the preparing thread; the session's factory call reports it.
        ClientConfig config = ConfigParser.ParseClientFromText($"""
            client
            dev tun
            remote 192.0.2.1 1194
            {TestCertificates.InlineClientCredentials(keyOf: TestCertificates.Shared.Server)}
            """.Replace("\r", "", StringComparison.Ordinal), "mismatch.conf", Path.GetTempPath());
        var factory = new ClientSessionFactory(config);
        factory.PrepareFirstTls();
        var options = factory.CreateSessionOptions();
        var error = Assert.Throws<FormatException>(() => options.TlsEngineFactory());
        Assert.Contains("mismatch.conf", error.Message, StringComparison.Ordinal);
        Assert.Contains("cannot load the private key", error.Message, StringComparison.Ordinal);
        factory.ReleasePreparedTls();
    }

    [Fact]
    public void PreparedEngineNobodyTook_IsDisposedWithIt()
    {
        SslStreamTlsEngine? made = null;
        var first = new FirstTlsEngine(() => made = NewClientEngine());
        first.BeginPrepare();
        first.Dispose();
        Assert.NotNull(made);
        Assert.Throws<ObjectDisposedException>(() => made.WritePlaintext([1]));
    }

    /// <summary>Makes client engines and remembers the thread that made the last one.</summary>
    private sealed class RecordingMaker
    {
        public int? MadeOn { get; private set; }

        public ITlsEngine Make()
        {
            MadeOn = Environment.CurrentManagedThreadId;
            return NewClientEngine();
        }
    }

    private static SslStreamTlsEngine NewClientEngine()
    {
        TestCertificates pki = TestCertificates.Shared;
        return new SslStreamTlsEngine(new TlsEngineOptions
        {
            IsServer = false,
            Certificate = pki.Client,
            TrustedCertificateAuthorities = [pki.Ca],
        });
    }

    private static byte[] TakeAll(ITlsEngine engine)
    {
        byte[] bytes = new byte[engine.PendingCiphertextBytes];
        Assert.Equal(bytes.Length, engine.TakeCiphertext(bytes));
        return bytes;
    }
}

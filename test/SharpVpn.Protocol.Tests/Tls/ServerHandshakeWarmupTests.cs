using SharpVpn.Tls;

namespace SharpVpn.Protocol.Tests.Tls;

public class ServerHandshakeWarmupTests
{
    [Theory]
    [InlineData(TlsVersion.Tls12)]
    [InlineData(TlsVersion.Tls13)]
    public void Warmup_ThenARealClient_ConnectsWithTheSameOptions(TlsVersion version)
    {
        TestPki pki = TestPki.Shared;
        TlsEngineOptions server = new TlsEngineOptionsBuilder
        {
            IsServer = true, Certificate = pki.Server, Trust = pki.Trust(), RemoteCertTls = RemoteCertTls.Client, Max = version,
        }.Build();
        ServerHandshakeWarmup.Run(server); // its throw-away client is refused (not from our CA); that must leave nothing behind

        using var s = new SslStreamTlsEngine(server);
        using var c = new SslStreamTlsEngine(new TlsEngineOptionsBuilder
        {
            IsServer = false, Certificate = pki.Client, Trust = pki.Trust(), RemoteCertTls = RemoteCertTls.Server, Max = version,
        }.Build());
        s.Start();
        c.Start();
        TlsPair.Pump(c, s);
        Assert.Null(s.Failure);
        Assert.Null(c.Failure);
        Assert.Equal("CN=client1", s.PeerCertificate!.Subject);
    }
}

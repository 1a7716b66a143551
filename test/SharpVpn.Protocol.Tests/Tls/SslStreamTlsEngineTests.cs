using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using SharpVpn.Tls;

namespace SharpVpn.Protocol.Tests.Tls;

public class SslStreamTlsEngineTests
{
    private static TlsEngineOptions ServerOptions(TestPki pki, Action<TlsEngineOptionsBuilder>? tweak = null)
    {
        var b = new TlsEngineOptionsBuilder { IsServer = true, Certificate = pki.Server, Trust = pki.Trust(), RemoteCertTls = RemoteCertTls.Client };
        tweak?.Invoke(b);
        return b.Build();
    }

    private static TlsEngineOptions ClientOptions(TestPki pki, Action<TlsEngineOptionsBuilder>? tweak = null)
    {
        var b = new TlsEngineOptionsBuilder { IsServer = false, Certificate = pki.Client, Trust = pki.Trust(), RemoteCertTls = RemoteCertTls.Server };
        tweak?.Invoke(b);
        return b.Build();
    }

    private static (SslStreamTlsEngine Client, SslStreamTlsEngine Server) Handshake(TlsEngineOptions client, TlsEngineOptions server, int slice = int.MaxValue)
    {
        var c = new SslStreamTlsEngine(client);
        var s = new SslStreamTlsEngine(server);
        s.Start();
        c.Start();
        TlsPair.Pump(c, s, slice);
        return (c, s);
    }

    [Theory]
    [InlineData(TlsVersion.Tls12)]
    [InlineData(TlsVersion.Tls13)]
    public void Handshake_BothRoles_CompletesAndCarriesPlaintextBothWays(TlsVersion version)
    {
        TestPki pki = TestPki.Shared;
        var (c, s) = Handshake(ClientOptions(pki, b => b.Max = version), ServerOptions(pki, b => b.Max = version));
        using (c)
        using (s)
        {
            Assert.Null(c.Failure);
            Assert.Null(s.Failure);
            Assert.True(c.IsHandshakeComplete);
            Assert.True(s.IsHandshakeComplete);
            Assert.StartsWith(version == TlsVersion.Tls13 ? "TLSv1.3" : "TLSv1.2", c.ConnectionDescription, StringComparison.Ordinal);
            Assert.Equal("CN=server", s.PeerCertificate is null ? null : c.PeerCertificate!.Subject);
            Assert.Equal("CN=client1", s.PeerCertificate!.Subject);

            c.WritePlaintext("hello\0"u8);
            c.WritePlaintext("PUSH_REQUEST\0"u8);
            TlsPair.Pump(c, s);
            Assert.Equal("hello\0PUSH_REQUEST\0", Encoding.ASCII.GetString(TlsPair.ReadAll(s)));
            s.WritePlaintext(new byte[5000]);
            TlsPair.Pump(c, s);
            Assert.Equal(5000, TlsPair.ReadAll(c).Length);
        }
    }

    [Fact]
    public void CipherSuiteName_IsTheEnumNameForEverySuite()
    {
        // The log's "cipher TLS_AES_256_GCM_SHA384" must read as before the names were spelled out.
        foreach (TlsCipherSuite suite in Enum.GetValues<TlsCipherSuite>())
        {
            Assert.Equal(suite.ToString(), SslStreamTlsEngine.CipherSuiteName(suite));
        }
    }

    [Fact]
    public void Handshake_CiphertextFedOneByteAtATime_Completes()
    {
        TestPki pki = TestPki.Shared;
        var (c, s) = Handshake(ClientOptions(pki), ServerOptions(pki), slice: 1);
        using (c)
        using (s)
        {
            Assert.True(c.IsHandshakeComplete);
            Assert.True(s.IsHandshakeComplete);
            c.WritePlaintext("abc"u8);
            TlsPair.Pump(c, s, 7);
            Assert.Equal("abc", Encoding.ASCII.GetString(TlsPair.ReadAll(s)));
        }
    }

    [Fact]
    public void WritePlaintext_BeforeHandshakeCompletes_IsSentAfterIt()
    {
        TestPki pki = TestPki.Shared;
        using var c = new SslStreamTlsEngine(ClientOptions(pki));
        using var s = new SslStreamTlsEngine(ServerOptions(pki));
        s.Start();
        c.Start();
        c.WritePlaintext("early"u8);
        TlsPair.Pump(c, s);
        Assert.Equal("early", Encoding.ASCII.GetString(TlsPair.ReadAll(s)));
    }

    [Fact]
    public void Server_ClientCertificateFromAnotherCa_IsRejected()
    {
        TestPki pki = TestPki.Shared;
        var (c, s) = Handshake(ClientOptions(pki, b => b.Certificate = pki.ClientFromOtherCa), ServerOptions(pki));
        using (c)
        using (s)
        {
            Assert.IsType<AuthenticationException>(s.Failure);
            Assert.Contains("not signed by the configured CA", s.Failure!.Message, StringComparison.Ordinal);
            Assert.False(s.IsHandshakeComplete);
        }
    }

    /// <summary>verify-client-cert none|optional|require against a client with and without a certificate.</summary>
    [Theory]
    [InlineData(ClientCertificateMode.Required, true, true, "CN=client1")]
    [InlineData(ClientCertificateMode.Required, false, false, null)]
    [InlineData(ClientCertificateMode.Optional, true, true, "CN=client1")]
    [InlineData(ClientCertificateMode.Optional, false, true, null)]
    [InlineData(ClientCertificateMode.None, true, true, null)]
    [InlineData(ClientCertificateMode.None, false, true, null)]
    public void Server_ClientCertificateMode_AsVerifyClientCert(ClientCertificateMode mode, bool clientHasCertificate, bool accepted, string? peerSubject)
    {
        TestPki pki = TestPki.Shared;
        var (c, s) = Handshake(ClientOptions(pki, b => b.Certificate = clientHasCertificate ? pki.Client : null),
            ServerOptions(pki, b => b.ClientCertificate = mode));
        using (c)
        using (s)
        {
            Assert.Equal(accepted, s.IsHandshakeComplete);
            Assert.Equal(peerSubject, s.PeerCertificate?.Subject);
            if (!accepted)
            {
                Assert.Contains("did not present a certificate", s.Failure?.Message, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public void RequiresPeerCertificate_AlwaysForAClient_ForAServerOnlyWhenRequired()
    {
        TestPki pki = TestPki.Shared;
        Assert.True(ClientOptions(pki, b => b.ClientCertificate = ClientCertificateMode.None).RequiresPeerCertificate);
        Assert.True(ServerOptions(pki).RequiresPeerCertificate);
        Assert.False(ServerOptions(pki, b => b.ClientCertificate = ClientCertificateMode.Optional).RequiresPeerCertificate);
        Assert.False(ServerOptions(pki, b => b.ClientCertificate = ClientCertificateMode.None).RequiresPeerCertificate);
    }

    [Fact]
    public void Server_RevokedClientCertificate_IsRejected()
    {
        TestPki pki = TestPki.Shared;
        var (c, s) = Handshake(ClientOptions(pki, b => b.Certificate = pki.RevokedClient),
            ServerOptions(pki, b => b.Crls = [pki.Crl]));
        using (c)
        using (s)
        {
            Assert.Contains("is revoked", s.Failure?.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Server_WithCrl_AcceptsUnrevokedClient()
    {
        TestPki pki = TestPki.Shared;
        var (c, s) = Handshake(ClientOptions(pki), ServerOptions(pki, b => b.Crls = CertificateRevocationList.ParsePem(pki.CrlPem, "crl.pem")));
        using (c)
        using (s)
        {
            Assert.Null(s.Failure);
            Assert.True(s.IsHandshakeComplete);
        }
    }

    [Fact]
    public void Server_ExpiredCrl_RejectsEveryone()
    {
        TestPki pki = TestPki.Shared;
        var (c, s) = Handshake(ClientOptions(pki), ServerOptions(pki, b => b.Crls = [pki.ExpiredCrl]));
        using (c)
        using (s)
        {
            Assert.Contains("has expired", s.Failure?.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Server_ExpiredClientCertificate_IsRejected()
    {
        TestPki pki = TestPki.Shared;
        var (c, s) = Handshake(ClientOptions(pki, b => b.Certificate = pki.ExpiredClient), ServerOptions(pki));
        using (c)
        using (s)
        {
            Assert.Contains("has expired", s.Failure?.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Client_RemoteCertTlsServer_RejectsCertificateWithoutServerEku()
    {
        TestPki pki = TestPki.Shared;
        var (c, s) = Handshake(ClientOptions(pki), ServerOptions(pki, b => b.Certificate = pki.ServerWithoutServerEku));
        using (c)
        using (s)
        {
            Assert.Contains("lacks the TLS Web Server Authentication EKU (remote-cert-tls server)", c.Failure?.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Server_RemoteCertTlsClient_RejectsServerCertificateUsedAsClient()
    {
        TestPki pki = TestPki.Shared;
        var (c, s) = Handshake(ClientOptions(pki, b => b.Certificate = pki.Server), ServerOptions(pki));
        using (c)
        using (s)
        {
            Assert.Contains("TLS Web Client Authentication EKU (remote-cert-tls client)", s.Failure?.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("server", X509NameMatch.Name, true)]
    [InlineData("serv", X509NameMatch.Name, false)]
    [InlineData("serv", X509NameMatch.NamePrefix, true)]
    [InlineData("CN=server", X509NameMatch.Subject, true)]
    [InlineData("CN=other", X509NameMatch.Subject, false)]
    public void Client_VerifyX509Name_MatchesAsOpenVpn(string value, X509NameMatch match, bool accepted)
    {
        TestPki pki = TestPki.Shared;
        var (c, s) = Handshake(ClientOptions(pki, b => b.Name = new VerifyX509Name(value, match)), ServerOptions(pki));
        using (c)
        using (s)
        {
            Assert.Equal(accepted, c.IsHandshakeComplete);
            if (!accepted)
            {
                Assert.Contains("does not match verify-x509-name", c.Failure?.Message, StringComparison.Ordinal);
            }
        }
    }
}

internal sealed class TlsEngineOptionsBuilder
{
    public bool IsServer { get; set; }

    public X509Certificate2? Certificate { get; set; }

    public X509Certificate2Collection Trust { get; set; } = null!;

    public RemoteCertTls RemoteCertTls { get; set; }

    public VerifyX509Name? Name { get; set; }

    public IReadOnlyList<CertificateRevocationList> Crls { get; set; } = [];

    public TlsVersion Max { get; set; } = TlsVersion.Tls13;

    public ClientCertificateMode ClientCertificate { get; set; } = ClientCertificateMode.Required;

    public TlsEngineOptions Build() => new()
    {
        ClientCertificate = ClientCertificate,
        IsServer = IsServer,
        Certificate = Certificate,
        TrustedCertificateAuthorities = Trust,
        RemoteCertTls = RemoteCertTls,
        VerifyX509Name = Name,
        RevocationLists = Crls,
        MaximumVersion = Max,
    };
}

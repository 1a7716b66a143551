using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using SharpVpn.Config;
using SharpVpn.DataChannel;
using SharpVpn.Protocol;
using SharpVpn.Protocol.Control;
using SharpVpn.Protocol.Keys;
using SharpVpn.Protocol.Session;
using SharpVpn.Protocol.TlsWrap;
using SharpVpn.Runtime.Client;
using SharpVpn.Runtime.Shared;
using SharpVpn.Tls;

namespace SharpVpn.Runtime.Server;

/// <summary>
/// Turns a parsed <see cref="ServerConfig"/> into what each client session needs: the TLS engine options
/// (certificates loaded once; CRL swapped on reload), the control-channel wrap (a shared stateless one for the
/// pre-check of unknown sources, a fresh one per session because it holds replay state), the OCC options string
/// and the compression framing. Setup and control thread only.
/// </summary>
internal sealed class ServerSessionFactory
{
    private readonly ServerConfig _config;
    private readonly StaticKey? _tlsAuthKey;
    private readonly KeyDirection _tlsAuthDirection;
    private readonly HashAlgorithmName _tlsAuthDigest;
    private readonly StaticKey? _tlsCryptKey;
    private volatile TlsEngineOptions _tls;

    public ServerSessionFactory(ServerConfig config)
    {
        _config = config;
        TlsSettings t = config.Tls;
        if (t.TlsCryptV2 is { } v2)
        {
            TlsCryptV2ServerKey = Protocol.Keys.TlsCryptV2ServerKey.Parse(v2.Text, v2.Source);
        }
        else if (t.TlsCrypt is { } crypt)
        {
            _tlsCryptKey = StaticKey.Parse(crypt.Text, crypt.Source);
        }
        else if (t.TlsAuth is { } auth)
        {
            if (!TlsAuth.TryParseDigest(config.DataChannel.Auth, out _tlsAuthDigest))
            {
                throw new InvalidOperationException($"{config.SourceName}: 'auth {config.DataChannel.Auth}' cannot be used for tls-auth.");
            }

            _tlsAuthKey = StaticKey.Parse(auth.Text, auth.Source);
            _tlsAuthDirection = auth.Direction switch
            {
                0 => KeyDirection.Normal,
                1 => KeyDirection.Inverse,
                _ => KeyDirection.Bidirectional,
            };
        }

        Framing = ClientSessionFactory.MapFraming(config.DataChannel.Compression);
        OptionsString = new OccOptionsString
        {
            DevType = "tun",
            TunMtu = config.Tun.TunMtu,
            Proto = config.Protocol == TransportProtocol.Tcp ? OccProto.TcpServer : OccProto.Udp,
            CompressionFraming = Framing != CompressionFramingMode.None,
            Cipher = config.DataChannel.Cipher ?? "BF-CBC",
            Auth = config.DataChannel.Auth,
            DataCiphers = config.DataChannel.DataCiphers,
            TlsAuth = config.Tls.TlsAuth is not null,
            IsServer = true,
        }.Build();
        _tls = BuildTlsOptions(config, LoadCrl(config));
        // The first client's handshake should not carry the process's one-time TLS set-up (issue 7, handshake time).
        ServerHandshakeWarmup.Run(_tls);
        StatelessWrap = TlsCryptV2ServerKey is null ? CreateWrap() : null;
    }

    /// <summary>The tls-crypt-v2 server key, or null when tls-crypt-v2 is not configured.</summary>
    public TlsCryptV2ServerKey? TlsCryptV2ServerKey { get; }

    /// <summary>
    /// The wrap used for packets from unknown sources (no replay check, never updated): tls-auth, tls-crypt or none.
    /// Null with tls-crypt-v2 (each client's key comes out of its WKc). Receive thread only.
    /// </summary>
    public IControlChannelWrap? StatelessWrap { get; }

    public CompressionFramingMode Framing { get; }

    public string OptionsString { get; }

    public TlsEngineOptions TlsOptions => _tls;

    /// <summary>The CRLs in force (empty without crl-verify).</summary>
    public IReadOnlyList<CertificateRevocationList> RevocationLists => _tls.RevocationLists;

    /// <summary>Re-reads <c>crl-verify</c> (file changed or SIGHUP). Returns true when the file was read; throws nothing for a bad file (keeps the old).</summary>
    public bool ReloadCrl(out string? error)
    {
        error = null;
        if (_config.Tls.CrlPath is not { } path)
        {
            return false;
        }

        try
        {
            IReadOnlyList<CertificateRevocationList> crls = CertificateRevocationList.ParsePem(File.ReadAllText(path), path);
            _tls = BuildTlsOptions(_config, crls);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException or FormatException or InvalidOperationException or ArgumentException)
        {
            error = $"CRL: cannot re-read '{path}': {ex.Message}; keeping the previous CRL";
            return false;
        }
    }

    /// <summary>A fresh wrap for a session (tls-auth / tls-crypt / none). tls-crypt-v2 sessions use the wrap from their WKc.</summary>
    public IControlChannelWrap CreateWrap()
    {
        if (_tlsCryptKey is not null)
        {
            return new TlsCrypt(_tlsCryptKey, isServer: true);
        }

        if (_tlsAuthKey is not null)
        {
            return new TlsAuth(_tlsAuthKey, _tlsAuthDirection, _tlsAuthDigest);
        }

        return new NoControlWrap();
    }

    /// <summary>Options for one client session with its own wrap and peer-id (and tls-verify's check of its certificates, if any).</summary>
    public TunnelSessionOptions CreateSessionOptions(IControlChannelWrap wrap, int peerId, uint netTime,
        Func<IReadOnlyList<X509Certificate2>, string?>? peerCheck = null)
    {
        RenegotiationSettings r = _config.Renegotiation;
        KeepaliveSettings k = _config.Keepalive;
        TlsEngineOptions tls = _tls;
        return new TunnelSessionOptions
        {
            IsServer = true,
            // OpenVPN re-runs auth-user-pass-verify on every renegotiation: the new key waits for its verdict.
            ApproveRenegotiations = _config.ChecksUserPass,
            TlsEngineFactory = () => new SslStreamTlsEngine(tls, peerCheck),
            Wrap = wrap,
            OptionsString = OptionsString,
            DataCiphers = _config.DataChannel.DataCiphers,
            DataCiphersFallback = _config.DataChannel.DataCiphersFallback ?? FallbackFromCipher(),
            Auth = _config.DataChannel.Auth,
            NetTimeSeconds = netTime,
            TlsTimeoutMs = r.TlsTimeoutSeconds * 1000L,
            HandWindowMs = r.HandWindowSeconds * 1000L,
            TransitionWindowMs = r.TranWindowSeconds * 1000L,
            RenegotiateMs = RenegotiateMs(r),
            RenegotiateBytes = r.RenegBytes ?? 0,
            RenegotiatePackets = r.RenegPackets ?? 0,
            PingIntervalMs = k.PingSeconds * 1000L,
            PingRestartMs = k.PingRestartSeconds * 1000L,
            ReplayWindowPackets = _config.DataChannel.ReplayWindow,
            ReplayWindowSeconds = _config.DataChannel.ReplayWindowSeconds,
            PeerId = peerId,
        };
    }

    // 2.6 uses 'cipher' as the fallback for peers without NCP when it is not in data-ciphers (2.4 clients).
    private string? FallbackFromCipher() =>
        _config.DataChannel.Cipher is { } c && !CipherNegotiation.Contains(_config.DataChannel.DataCiphers, c) && c != "BF-CBC" ? c : null;

    /// <summary>reneg-sec on a server: OpenVPN 2.6 picks a random value in [max*0.9, max] per session so clients do not renegotiate in lockstep.</summary>
    private static long RenegotiateMs(RenegotiationSettings r)
    {
        if (r.RenegSeconds <= 0)
        {
            return 0;
        }

        int max = r.RenegSecondsMax ?? r.RenegSeconds;
        int min = r.RenegSecondsMax is null ? max - (max / 10) : r.RenegSeconds;
        if (max <= min)
        {
            return max * 1000L;
        }

        return RandomNumberGenerator.GetInt32(min * 1000, (max * 1000) + 1);
    }

    private static IReadOnlyList<CertificateRevocationList> LoadCrl(ServerConfig config) =>
        TlsOptionsFactory.LoadRevocationLists(config.Tls, config.SourceName);

    private static TlsEngineOptions BuildTlsOptions(ServerConfig config, IReadOnlyList<CertificateRevocationList> crls) =>
        TlsOptionsFactory.Build(config.Tls, config.SourceName, isServer: true, crls);
}

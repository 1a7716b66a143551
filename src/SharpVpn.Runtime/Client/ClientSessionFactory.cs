using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using SharpVpn.Config;
using SharpVpn.DataChannel;
using SharpVpn.Protocol.Control;
using SharpVpn.Protocol.Keys;
using SharpVpn.Protocol.Session;
using SharpVpn.Protocol.TlsWrap;
using SharpVpn.Runtime.Shared;
using SharpVpn.Tls;

namespace SharpVpn.Runtime.Client;

/// <summary>
/// Turns a parsed <see cref="ClientConfig"/> into what one client session needs: the TLS engine options
/// (certificates, CA, checks; loaded once, when the first session starts TLS, so the first reset need not wait for
/// them), a fresh control-channel wrap per session (it holds replay state), the OCC options string and peer-info,
/// and the compression framing. Setup-time only.
/// </summary>
internal sealed class ClientSessionFactory
{
    private readonly ClientConfig _config;
    private readonly DeferredTlsOptions _tls;
    private readonly string _optionsString;
    private readonly string _peerInfo;
    private readonly IReadOnlyList<string> _dataCiphers;
    private readonly FirstTlsEngine _firstTls;

    /// <summary>
    /// The user name and password typed for auth-user-pass (see <see cref="ClientCredentials"/>); null = the config's.
    /// Under auth-nocache they serve the next login only.
    /// </summary>
    public (string Username, string Password)? Credentials { get; set; }

    /// <summary>auth-nocache: reads a login's credentials anew (<see cref="ClientCredentials.ReadAgain"/>); set by the engine.</summary>
    public Func<(string Username, string Password)>? ReadCredentialsAgain { get; set; }

    /// <summary>
    /// tls-verify's check of the server's chain (leaf first), or null. Set by the engine, possibly after the first TLS
    /// engine was made (<see cref="ClientTlsAhead"/>): the engines ask for it when they check the server's certificate.
    /// </summary>
    public Func<IReadOnlyList<X509Certificate2>, string?>? PeerCheck { get; set; }

    /// <param name="config">The client's configuration.</param>
    public ClientSessionFactory(ClientConfig config)
    {
        _config = config;
        _tls = TlsOptionsFactory.BuildDeferred(config.Tls, config.SourceName, isServer: false);
        // Only a config with tls-verify has a check; without it the engines skip collecting the chain for one.
        Func<IReadOnlyList<X509Certificate2>, string?>? peerCheck = config.Tls.TlsVerify is null
            ? null
            : chain => PeerCheck is { } check ? check(chain) : "tls-verify: the check is not set up";
        _firstTls = new FirstTlsEngine(() => new SslStreamTlsEngine(_tls.Value, peerCheck));
        _dataCiphers = config.DataChannel.DataCiphers;
        Framing = MapFraming(config.DataChannel.Compression);
        _optionsString = new OccOptionsString
        {
            DevType = "tun",
            TunMtu = config.Tun.TunMtu,
            Proto = Protocol == TransportProtocol.Tcp ? OccProto.TcpClient : OccProto.Udp,
            CompressionFraming = Framing != CompressionFramingMode.None,
            Cipher = config.DataChannel.Cipher ?? "BF-CBC",
            Auth = config.DataChannel.Auth,
            DataCiphers = _dataCiphers,
            TlsAuth = config.Tls.TlsAuth is not null,
            IsServer = false,
        }.Build();
        // DATA_V2, REQUEST_PUSH, CC_EXIT, AUTH_FAIL_TEMP and DNS_OPTION as 2.6 announces them; no TLS_KEY_EXPORT (SslStream has no
        // exporter).
        IvProtoFlags proto = IvProtoFlags.DataV2 | IvProtoFlags.RequestPush | IvProtoFlags.CcExitNotify | IvProtoFlags.AuthFailTemp | IvProtoFlags.DnsOption;
        _peerInfo = PeerInfo.BuildClient(_dataCiphers, proto, extra: ClientPeerInfo.Extra(config));
    }

    /// <summary>
    /// Our certificate, the CA and the checks, loaded on first use; throws what loading them threw (a certificate or
    /// key that cannot be read, a key that does not match), on every call.
    /// </summary>
    public TlsEngineOptions TlsOptions => _tls.Value;

    /// <summary>
    /// Starts loading the credentials and building the first session's ClientHello on a thread of its own (see
    /// <see cref="FirstTlsEngine"/>); the first session's engine factory then takes that engine.
    /// </summary>
    public void PrepareFirstTls() => _firstTls.BeginPrepare();

    /// <summary>Waits until the first TLS engine being prepared is ready (or failed), without taking it.</summary>
    public void WaitFirstTlsPrepared() => _firstTls.WaitPrepared();

    /// <summary>Releases a prepared engine no session took.</summary>
    public void ReleasePreparedTls() => _firstTls.Dispose();

    /// <summary>Transport of the first remote (every remote may name its own; see <see cref="RemoteEndpoint.Protocol"/>).</summary>
    public TransportProtocol Protocol => _config.Remotes.Count > 0 ? _config.Remotes[0].Protocol : TransportProtocol.Udp;

    public CompressionFramingMode Framing { get; }

    public string OptionsString => _optionsString;

    /// <summary>Options for a new session (a new wrap each time: replay counters are per session).</summary>
    public TunnelSessionOptions CreateSessionOptions(int? pingSeconds = null, int? pingRestartSeconds = null, string? authToken = null,
        string? authTokenUser = null)
    {
        RenegotiationSettings r = _config.Renegotiation;
        KeepaliveSettings k = _config.Keepalive;
        (string? username, string? password) = LoginFor(authToken);
        return new TunnelSessionOptions
        {
            IsServer = false,
            TlsEngineFactory = _firstTls.Take,
            Wrap = CreateWrap(_config),
            OptionsString = _optionsString,
            DataCiphers = _dataCiphers,
            DataCiphersFallback = _config.DataChannel.DataCiphersFallback,
            Auth = _config.DataChannel.Auth,
            NetTimeSeconds = (uint)DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            TlsTimeoutMs = r.TlsTimeoutSeconds * 1000L,
            HandWindowMs = r.HandWindowSeconds * 1000L,
            TransitionWindowMs = r.TranWindowSeconds * 1000L,
            RenegotiateMs = r.RenegSeconds * 1000L,
            RenegotiateBytes = r.RenegBytes ?? 0,
            RenegotiatePackets = r.RenegPackets ?? 0,
            PingIntervalMs = (pingSeconds ?? k.PingSeconds) * 1000L,
            PingRestartMs = (pingRestartSeconds ?? k.PingRestartSeconds) * 1000L,
            ReplayWindowPackets = _config.DataChannel.ReplayWindow,
            ReplayWindowSeconds = _config.DataChannel.ReplayWindowSeconds,
            Username = ForWire(username),
            Password = ForWire(password),
            ReadCredentialsAgain = _config.AuthNoCache && ReadCredentialsAgain is { } readAgain
                ? () =>
                {
                    (string user, string pass) = readAgain();
                    return (OpenVpnStringMod.RemoveControls(user), OpenVpnStringMod.RemoveControls(pass));
                }
                : null,
            AuthToken = authToken,
            AuthTokenUser = authTokenUser,
            PeerInfo = _peerInfo,
        };
    }

    /// <summary>
    /// The credentials of a new connection's first login. With auth-nocache nothing is kept from the last one: typed
    /// credentials (at start, after AUTH_FAILED with auth-retry interact) serve one login, otherwise the file is read
    /// again (or they are asked again), unless a pushed auth-token stands in for the password.
    /// </summary>
    private (string? Username, string? Password) LoginFor(string? authToken)
    {
        AuthUserPassSettings? up = _config.AuthUserPass;
        if (!_config.AuthNoCache || up is null)
        {
            return Credentials is { } kept ? kept : (up?.Username, up?.Password);
        }

        (string Username, string Password)? typed = Credentials;
        Credentials = null;
        if (typed is { } once)
        {
            return once;
        }

        if (authToken is not null)
        {
            return (up.Username, string.Empty); // the token replaces the purged password
        }

        return ReadCredentialsAgain is { } read ? read() : (up.Username, up.Password);
    }

    /// <summary>
    /// Credentials as OpenVPN's client sends them (misc.c get_user_pass_cr ends with string_mod(CC_PRINT, CC_CRLF, 0)):
    /// control characters, from a file, a prompt or a challenge answer, are dropped; UTF-8 is kept.
    /// </summary>
    private static string? ForWire(string? value) => value is null ? null : OpenVpnStringMod.RemoveControls(value);

    /// <summary>Maps the config's compression option to the data-channel framing (we never compress; VORACLE).</summary>
    public static CompressionFramingMode MapFraming(CompressionMode mode) => mode switch
    {
        CompressionMode.None or CompressionMode.Migrate => CompressionFramingMode.None,
        CompressionMode.Lzo => CompressionFramingMode.Lzo,
        CompressionMode.LzoNo => CompressionFramingMode.LzoStub,
        CompressionMode.Stub => CompressionFramingMode.Stub,
        CompressionMode.StubV2 => CompressionFramingMode.StubV2,
        CompressionMode.Lz4 => CompressionFramingMode.Lz4,
        CompressionMode.Lz4V2 => CompressionFramingMode.Lz4V2,
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "Unknown compression mode."),
    };

    private static IControlChannelWrap CreateWrap(ClientConfig config)
    {
        TlsSettings t = config.Tls;
        if (t.TlsCryptV2 is { } v2)
        {
            return new TlsCryptV2ClientWrap(TlsCryptV2ClientKey.Parse(v2.Text, v2.Source));
        }

        if (t.TlsCrypt is { } crypt)
        {
            return new TlsCrypt(StaticKey.Parse(crypt.Text, crypt.Source), isServer: false);
        }

        if (t.TlsAuth is { } auth)
        {
            if (!TlsAuth.TryParseDigest(config.DataChannel.Auth, out HashAlgorithmName digest))
            {
                throw new InvalidOperationException($"{config.SourceName}: 'auth {config.DataChannel.Auth}' cannot be used for tls-auth.");
            }

            KeyDirection direction = auth.Direction switch
            {
                0 => KeyDirection.Normal,
                1 => KeyDirection.Inverse,
                _ => KeyDirection.Bidirectional,
            };
            return new TlsAuth(StaticKey.Parse(auth.Text, auth.Source), direction, digest);
        }

        return new NoControlWrap();
    }
}

using System.Globalization;

namespace SharpVpn.Config;

/// <summary>
/// Mutable state the option parsers fill while walking a file, plus the argument validators they
/// share. <see cref="ConfigParser"/> turns it into a <see cref="ClientConfig"/> or <see cref="ServerConfig"/>.
/// Fields keep the value of the last occurrence of an option, list fields collect all of them.
/// </summary>
internal sealed class ParseState(string sourceName, string baseDirectory, bool isServerConfig)
{
    public string SourceName { get; } = sourceName;

    /// <summary>Directory relative paths are resolved against; changed by 'cd'.</summary>
    public string BaseDirectory { get; set; } = baseDirectory;

    public bool IsServerConfig { get; } = isServerConfig;

    public List<string> Warnings { get; } = [];

    /// <summary>Names from 'ignore-unknown-option' (and 'setenv opt'): unknown ones give a warning instead of an error.</summary>
    public HashSet<string> IgnoreUnknown { get; } = new(StringComparer.Ordinal);

    // --- connection (Options/ConnectionOptions.cs)
    public ConfigLine? ClientLine;
    public bool TlsClient;
    public bool TlsServer;
    public bool ModeServer;
    public bool PullOption;
    public List<(ConfigLine Line, string Host, int? Port, TransportProtocol? Protocol, AddressFamilyPreference Family)> Remotes = [];
    public bool RemoteRandom;

    /// <summary>The &lt;connection&gt; blocks so far: each one's remote, opening line and its one-per-client options.</summary>
    public List<(RemoteEndpoint Remote, ConfigLine Line, SharedOptions Shared)> Connections = [];

    /// <summary>True while a &lt;connection&gt; block's lines are applied.</summary>
    public bool InConnectionBlock;
    public TransportProtocol? Protocol;
    public AddressFamilyPreference Family;
    public ConfigLine? ProtoLine;
    public bool? ProtoIsServerRole;
    public int? Port;
    public int? LocalPort;
    public int? RemotePort;
    public string? Local;
    public bool Nobind;
    public bool BindDefined;
    public bool Float;
    public int? ResolvRetrySeconds;
    public int ConnectRetrySeconds = 1;
    public int ConnectRetryMaxSeconds = 300;
    public int? ConnectRetryAttempts;
    public int ServerPollTimeoutSeconds = 120;
    public (ConfigLine Line, string Server, int Port, HttpProxyAuth Auth, AuthUserPassSettings? Credentials)? HttpProxy;
    public HttpProxyExtras HttpProxyExtras = HttpProxyExtras.Default;
    public AuthUserPassSettings? HttpProxyUserPass;
    public (ConfigLine Line, SocksProxySettings Settings)? SocksProxy;
    public string Dev = "tun";
    public string? DevType;
    public ConfigLine? DevLine;
    public Topology? Topology;
    public (uint Network, uint Netmask, bool NoPool, ConfigLine Line)? Server;
    public (uint Start, uint End, uint? Netmask, ConfigLine Line)? IfconfigPool;
    public (uint Local, uint RemoteOrNetmask, ConfigLine Line)? Ifconfig;
    public (System.Net.IPNetwork Network, ConfigLine Line)? ServerIpv6;

    // --- crypto (Options/CryptoOptions.cs)
    public string? CaPem;
    public List<byte[]>? PeerFingerprints;
    public string? CertPem;
    public string? KeyPem;
    public string? ExtraCertsPem;
    public string? DhPem;
    public bool DhNone;
    public string? CrlPath;
    public string? CrlPem;
    public (string Text, string Source, int? Direction)? TlsAuth;
    public StaticKeyText? TlsCrypt;
    public StaticKeyText? TlsCryptV2;
    public int? KeyDirection;
    public bool KeyDirectionBidirectional;
    public string? Cipher;
    public ConfigLine? CipherLine;
    public List<string>? DataCiphers;
    public string? DataCiphersFallback;
    public string Auth = "SHA1";
    public string? TlsVersionMin;
    public bool TlsVersionMinOrHighest;
    public string? TlsVersionMax;
    public string? TlsCipher;
    public string? TlsCipherSuites;
    public string? EcdhCurve;
    public CertificateRole? RemoteCertTls;
    public List<string>? RemoteCertKu;
    public string? RemoteCertEku;
    public CertificateRole? NsCertType;
    public X509NameCheck? VerifyX509Name;
    public List<X509UsernameField>? X509UsernameFields;
    public ConfigLine? UsernameAsCommonName;
    public (string Command, ConfigLine Line)? TlsVerify;
    public (string Directory, ConfigLine Line)? TlsExportCert;
    public VerifyClientCert VerifyClientCert = VerifyClientCert.Require;
    public ConfigLine? VerifyClientCertLine;
    public string? PrivateKeyPassword;
    public bool PromptForPrivateKeyPassword;
    public AuthUserPassSettings? AuthUserPass;
    public StaticChallenge? StaticChallenge;
    public bool PushPeerInfo;
    public bool AuthNoCache;
    public AuthRetry AuthRetry = AuthRetry.None;
    public int RenegSeconds = 3600;
    public int? RenegSecondsMax;
    public long? RenegBytes;
    public long? RenegPackets;
    public int HandWindowSeconds = 60;
    public int TlsTimeoutSeconds = 2;
    public int TranWindowSeconds = 3600;
    public int ReplayWindow = 64;
    public int ReplayWindowSeconds = 15;
    public bool MuteReplayWarnings;
    public CompressionMode Compression = CompressionMode.None;
    public AllowCompression AllowCompression = AllowCompression.Asym;

    // --- push (Options/PushOptions.cs)
    public List<string> Pushes = [];
    public bool RouteNoPull;
    public List<PullFilter> PullFilters = [];

    // --- server (Options/ServerOptions.cs)
    public string? ClientConfigDir;
    public bool CcdExclusive;
    public string? IfconfigPoolPersistFile;
    public int IfconfigPoolPersistSeconds = 600;
    public bool ClientToClient;
    public bool DuplicateCn;
    public (ConfigLine Line, string Service)? PamPlugin;
    public (ConfigLine Line, PortShareSettings Settings)? PortShare;
    public (string Command, bool ViaEnv, ConfigLine Line)? AuthUserPassVerify;
    public string? TmpDir;
    public (string Command, ConfigLine Line)? ClientConnect;
    public (string Command, ConfigLine Line)? ClientDisconnect;
    public (string Command, ConfigLine Line)? LearnAddress;
    public (string Command, ConfigLine Line)? TlsCryptV2Verify;
    public (int Lifetime, int? Renewal, bool ExternalAuth, ConfigLine Line)? AuthGenToken;
    public StaticKeyText? AuthGenTokenSecret;
    public int MaxClients = 1024;
    public ConnectFrequency? ConnectFrequency;
    public int ExplicitExitNotify;
    public int InactiveSeconds;
    public long InactiveMinimumBytes;
    public int SessionTimeoutSeconds;
    public (int Interval, int Timeout, ConfigLine Line)? Keepalive;
    public int? Ping;
    public int? PingRestart;
    public int? PingExit;
    public bool PingTimerRemote;

    // --- network (Options/NetworkOptions.cs)
    public int TunMtu = 1500;
    public int? MssFix;
    public MssFixMode MssFixMode;
    public int? TxQueueLength;
    public List<Route> Routes = [];
    public List<RouteIpv6> RoutesIpv6 = [];
    public bool BlockIpv6;
    public System.Net.IPAddress? RouteGateway;
    public int? RouteMetric;
    public RedirectGateway? RedirectGateway;
    public List<DhcpOption> DhcpOptions = [];
    public readonly DnsOption.Builder Dns = new();
    public bool BlockOutsideDns;
    public int? SocketSendBuffer;
    public int? SocketReceiveBuffer;
    public int? SocketMark;
    public string? BindDevice;

    // --- process (Options/ProcessOptions.cs)
    public string? User;
    public string? Group;
    public bool PersistKey;
    public bool PersistTun;
    public int ScriptSecurity = 1;
    public (string Command, ConfigLine Line)? Up;
    public (string Command, ConfigLine Line)? Down;
    public (string Command, ConfigLine Line)? RouteUp;
    public (string Command, ConfigLine Line)? RoutePreDown;
    public (string Command, ConfigLine Line)? Ipchange;
    public bool UpRestart;
    public bool DownPre;
    public bool DisableDco;
    public List<KeyValuePair<string, string>> SetEnv = [];
    public int Verb = 1;
    public int Mute;
    public string? LogFile;
    public bool LogAppend;
    public bool SuppressTimestamps;
    public bool MachineReadableOutput;
    public string? StatusFile;
    public int StatusIntervalSeconds = 60;
    public int StatusVersion = 1;
    public string? WritePidFile;
    public ManagementSettings? Management;

    // --- SharpVPN's own (Options/SharpVpnOptions.cs)
    public List<string>? NatMasquerade;
    public FirewallMode Firewall = FirewallMode.Off;

    public void Warn(ConfigLine line, string detail) => Warnings.Add(line.Warning(detail));

    // --- argument validators shared by the option groups

    public static int Int(ConfigLine line, int index, int min, int max)
    {
        string text = line.Arg(index);
        if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int value) || value < min || value > max)
        {
            throw line.Error($"'{text}' is not a number between {min} and {max}");
        }

        return value;
    }

    public static long Long(ConfigLine line, int index, long min, long max)
    {
        string text = line.Arg(index);
        if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long value) || value < min || value > max)
        {
            throw line.Error($"'{text}' is not a number between {min} and {max}");
        }

        return value;
    }

    public static int PortNumber(ConfigLine line, int index, bool allowZero = false)
    {
        string text = line.Arg(index);
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value) || value > 65535 || (value == 0 && !allowZero))
        {
            throw line.Error($"'{text}' is not a port number");
        }

        return value;
    }

    public static uint Address(ConfigLine line, int index)
    {
        string text = line.Arg(index);
        if (!Ipv4.TryParse(text, out uint value))
        {
            throw line.Error($"'{text}' is not an IPv4 address");
        }

        return value;
    }

    public static uint Netmask(ConfigLine line, int index)
    {
        string text = line.Arg(index);
        if (!Ipv4.TryParse(text, out uint value) || !Ipv4.IsNetmask(value))
        {
            throw line.Error($"'{text}' is not a netmask");
        }

        return value;
    }

    /// <summary>An IPv6 address without a prefix (e.g. the REMOTE of ifconfig-ipv6-push).</summary>
    public static System.Net.IPAddress Ipv6Address(ConfigLine line, int index)
    {
        string text = line.Arg(index);
        if (!System.Net.IPAddress.TryParse(text, out System.Net.IPAddress? address)
            || address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6 || text.Contains('/', StringComparison.Ordinal))
        {
            throw line.Error($"'{text}' is not an IPv6 address");
        }

        return address;
    }

    /// <summary>
    /// "ADDR/BITS" with an IPv6 address and a prefix length of 0..128. The prefix length is required: OpenVPN
    /// would quietly assume /64, we would rather have the admin say so.
    /// </summary>
    public static (System.Net.IPAddress Address, int PrefixLength) Ipv6WithPrefix(ConfigLine line, int index, string noun, string form)
    {
        string text = line.Arg(index);
        int slash = text.IndexOf('/', StringComparison.Ordinal);
        string addressText = slash < 0 ? text : text[..slash];
        if (!System.Net.IPAddress.TryParse(addressText, out System.Net.IPAddress? address)
            || address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6 || addressText.Contains('%', StringComparison.Ordinal))
        {
            throw line.Error($"'{text}' is not an IPv6 {noun} ({form})");
        }

        if (slash < 0)
        {
            throw line.Error($"'{text}' has no prefix length: write {form}, e.g. '{text}/64' (which OpenVPN would assume)");
        }

        string bitsText = text[(slash + 1)..];
        if (!int.TryParse(bitsText, NumberStyles.None, CultureInfo.InvariantCulture, out int bits) || bits > 128)
        {
            throw line.Error($"'{text}' has an invalid prefix length '/{bitsText}' (0 to 128)");
        }

        return (address, bits);
    }

    /// <summary>"NET/BITS" as an IPv6 network, host bits masked off (<paramref name="masked"/> says whether there were any).</summary>
    public static System.Net.IPNetwork Ipv6Network(ConfigLine line, int index, out bool masked)
    {
        (System.Net.IPAddress address, int bits) = Ipv6WithPrefix(line, index, "network", "NET/BITS");
        UInt128 value = Ipv6.ToUInt128(address);
        UInt128 network = value & Ipv6.Mask(bits);
        masked = network != value;
        return new System.Net.IPNetwork(Ipv6.ToAddress(network), bits);
    }

    public static T Keyword<T>(ConfigLine line, int index, IReadOnlyDictionary<string, T> choices)
    {
        string text = line.Arg(index);
        if (choices.TryGetValue(text, out T? value))
        {
            return value;
        }

        throw line.Error($"'{text}' is not one of {string.Join("|", choices.Keys)}");
    }

    /// <summary>Keyword check of a value that may be a default (index -1 when the argument was omitted).</summary>
    public static T Keyword<T>(ConfigLine line, int index, string text, IReadOnlyDictionary<string, T> choices)
    {
        if (choices.TryGetValue(text, out T? value))
        {
            return value;
        }

        _ = index;
        throw line.Error($"'{text}' is not one of {string.Join("|", choices.Keys)}");
    }

    public static bool YesNo(ConfigLine line, int index) =>
        Keyword(line, index, new Dictionary<string, bool> { ["yes"] = true, ["no"] = false });

    /// <summary>Absolute path of a file argument, relative paths taken from the config's directory.</summary>
    public string ResolvePath(string path) =>
        Path.IsPathRooted(path) ? path : Path.GetFullPath(Path.Combine(BaseDirectory, path));

    /// <summary>
    /// Text of a file option: the inline block's content, or the referenced file's content. A missing
    /// or unreadable file is an error naming the config line and the file.
    /// </summary>
    public string ReadFileArg(ConfigLine line, int index = 0)
    {
        if (line.IsInline)
        {
            return line.Arg(0);
        }

        string path = line.Arg(index);
        string full = ResolvePath(path);
        try
        {
            return File.ReadAllText(full);
        }
        catch (FileNotFoundException)
        {
            throw line.Error($"file '{path}' not found (looked for {full})");
        }
        catch (DirectoryNotFoundException)
        {
            throw line.Error($"file '{path}' not found (looked for {full})");
        }
        catch (UnauthorizedAccessException)
        {
            throw line.Error($"file '{path}' is not readable ({full}): permission denied");
        }
        catch (IOException ex)
        {
            throw line.Error($"file '{path}' could not be read ({full}): {ex.Message}");
        }
    }

    /// <summary>Where the text of a file option came from, for messages: "inline" or the path.</summary>
    public string SourceOf(ConfigLine line, int index = 0) =>
        line.IsInline ? $"{line.SourceName}:{line.LineNumber} <{line.Name}>" : ResolvePath(line.Arg(index));
}

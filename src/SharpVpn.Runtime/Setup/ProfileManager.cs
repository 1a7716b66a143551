using System.Text.RegularExpressions;
using SharpVpn.Config;
using SharpVpn.Pki;
using SharpVpn.Platform;

namespace SharpVpn.Runtime.Setup;

/// <summary>
/// Client profiles of a quickstart data directory: issue (<see cref="Add"/>), <see cref="List"/>,
/// <see cref="Revoke"/> (CRL + disconnect through the running server) and <see cref="Renew"/>.
/// Profiles are rendered from the data directory's server.conf, so they match the server.
/// </summary>
public sealed partial class ProfileManager
{
    private readonly DataDirectory _dir;

    public ProfileManager(DataDirectory dir)
    {
        _dir = dir;
    }

    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Certificates are EC (secp384r1): small, fast, accepted by every OpenVPN 2.4+.</summary>
    public static PkiSettings PkiSettings { get; } = new() { Algorithm = KeyAlgorithm.Ec };

    /// <summary>easy-rsa's rule for names: letters, digits, '-', '_', '.', '@', not starting with '-' or '.'.</summary>
    public static string ValidateName(string name)
    {
        if (!NamePattern().IsMatch(name) || name.Length > 64)
        {
            throw new ArgumentException($"'{name}' is not a valid profile name: use letters, digits, '-', '_', '.' or '@' (at most 64, not starting with '-' or '.').");
        }

        return name;
    }

    public CertificateAuthority OpenCa()
    {
        if (!_dir.HasServerConfig)
        {
            throw new InvalidOperationException($"{_dir.ServerConfig} does not exist; run 'sharpvpn quickstart' first (or pass --dir).");
        }

        return CertificateAuthority.Open(_dir.PkiDir, PkiSettings);
    }

    /// <summary>
    /// Issues a client certificate for <paramref name="name"/> (unless <paramref name="reuseCertificate"/> and one
    /// exists) and writes its profile; returns the profile's path.
    /// </summary>
    public string Add(string name, ProfileFormat format = ProfileFormat.Ovpn, string? keyPassphrase = null, int? days = null,
        string? remote = null, bool reuseCertificate = false)
    {
        ValidateName(name);
        CertificateAuthority ca = OpenCa();
        bool exists = File.Exists(ca.CertPath(name));
        if (exists && !reuseCertificate)
        {
            throw new InvalidOperationException($"A certificate for '{name}' already exists ({ca.CertPath(name)}); use 'sharpvpn profile renew {name}', or revoke it first.");
        }

        if (!exists)
        {
            ca.BuildClientFull(name, ca.Settings.KeyOptions(keyPassphrase), days);
        }

        return WriteProfile(ca, name, format, remote);
    }

    /// <summary>Writes (or rewrites) the profile of an issued certificate; returns its path.</summary>
    public string WriteProfile(CertificateAuthority ca, string name, ProfileFormat format, string? remote = null)
    {
        ServerConfig server = ConfigParser.ParseServer(_dir.ServerConfig);
        remote ??= ServerConfigTemplate.ReadPublicAddress(File.ReadAllText(_dir.ServerConfig))
            ?? throw new InvalidOperationException($"{_dir.ServerConfig} has no '{ServerConfigTemplate.PublicAddressMarker.Trim()} ADDRESS' line; add one or pass --remote.");
        if (server.Tls.TlsCryptV2 is not null)
        {
            throw new InvalidOperationException($"{_dir.ServerConfig} uses tls-crypt-v2; 'sharpvpn profile add' writes tls-crypt or tls-auth profiles only (make the client key with 'sharpvpn genkey tls-crypt-v2-client').");
        }

        string keyPath = ca.KeyPath(name);
        if (!File.Exists(keyPath))
        {
            throw new InvalidOperationException($"The private key of '{name}' ({keyPath}) is not in this PKI (it was signed from a request), so a profile cannot include it.");
        }

        var material = new ProfileMaterial(name, PemBlocks(File.ReadAllText(ca.CaCertPath), "CERTIFICATE"),
            PemBlocks(File.ReadAllText(ca.CertPath(name)), "CERTIFICATE"), File.ReadAllText(keyPath));
        DateTimeOffset now = Time.GetUtcNow();
        Directory.CreateDirectory(_dir.ClientsDir);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(_dir.ClientsDir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        if (format == ProfileFormat.Zip)
        {
            string zip = _dir.ZipPath(name);
            WriteSecret(zip, ClientProfile.RenderZip(server, remote, material, now));
            return zip;
        }

        string path = _dir.ProfilePath(name);
        WriteSecret(path, System.Text.Encoding.UTF8.GetBytes(ClientProfile.RenderInline(server, remote, material, now)));
        return path;
    }

    /// <summary>Client certificates with status, expiry and (from the status file) the VPN address of connected ones.</summary>
    public IReadOnlyList<ProfileInfo> List()
    {
        CertificateAuthority ca = OpenCa();
        IReadOnlyList<ConnectedClient> connected = ConnectedClients();
        var rows = new List<ProfileInfo>();
        foreach (PkiEntry e in ca.List())
        {
            if (e.Type is not (CertType.Client or CertType.ServerClient) || e.Renewed)
            {
                continue;
            }

            ConnectedClient? c = e.Status == CertStatus.Valid ? connected.FirstOrDefault(x => x.CommonName == e.Name) : null;
            string? profile = new[] { _dir.ProfilePath(e.Name), _dir.ZipPath(e.Name) }.FirstOrDefault(File.Exists);
            rows.Add(new ProfileInfo(e.Name, e.Status, e.NotAfter, c, profile));
        }

        return rows;
    }

    /// <summary>Connected clients: live from the management socket, else from the status file (up to its interval old).</summary>
    public IReadOnlyList<ConnectedClient> ConnectedClients()
    {
        ServerConfig? server = TryParseServer();
        string socket = server?.Logging.Management?.UnixSocketPath ?? _dir.ManagementSocket;
        if (ManagementClient.TryQuery(socket, "status 2") is { } live)
        {
            return StatusFileReader.Parse(live);
        }

        return StatusFileReader.Read(server?.Logging.StatusFile ?? _dir.StatusFile);
    }

    /// <summary>Revokes, regenerates the CRL, deletes the profile files and disconnects the client through the running server.</summary>
    public RevokeOutcome Revoke(string name, RevocationReason? reason = null)
    {
        ValidateName(name);
        CertificateAuthority ca = OpenCa();
        ca.Revoke(name, reason);
        ca.GenCrl();
        var deleted = new List<string>();
        foreach (string file in new[] { _dir.ProfilePath(name), _dir.ZipPath(name) })
        {
            if (File.Exists(file))
            {
                File.Delete(file);
                deleted.Add(file);
            }
        }

        return new RevokeOutcome(name, deleted, DisconnectClient(name));
    }

    /// <summary>Issues a fresh certificate (same key) and rewrites the profile(s) that exist (the .ovpn if none).</summary>
    public IReadOnlyList<string> Renew(string name, int? days = null)
    {
        ValidateName(name);
        CertificateAuthority ca = OpenCa();
        ca.Renew(name, days);
        var written = new List<string>();
        if (File.Exists(_dir.ZipPath(name)))
        {
            written.Add(WriteProfile(ca, name, ProfileFormat.Zip));
        }

        if (File.Exists(_dir.ProfilePath(name)) || written.Count == 0)
        {
            written.Add(WriteProfile(ca, name, ProfileFormat.Ovpn));
        }

        return written;
    }

    /// <summary>
    /// Tells the running server: management <c>kill CN</c> on the socket from server.conf; without a
    /// management answer, SIGHUP to the pid from writepid (the server re-reads the CRL and drops revoked
    /// clients). Returns a sentence saying what happened.
    /// </summary>
    public string DisconnectClient(string name)
    {
        ServerConfig? server = TryParseServer();
        string socket = server?.Logging.Management?.UnixSocketPath ?? _dir.ManagementSocket;
        string? reply = ManagementClient.TrySend(socket, $"kill {name}");
        if (reply is not null && reply.StartsWith("SUCCESS:", StringComparison.Ordinal))
        {
            return $"The running server disconnected '{name}' ({reply}).";
        }

        if (reply is not null)
        {
            // The server answered but has no such client: not connected, or SharpVPN's server already dropped it
            // when it saw the new CRL (it checks the file every second).
            return $"'{name}' is not connected to the running server ({reply}); its certificate is refused from now on.";
        }

        string pidFile = server?.Logging.WritePidFile ?? _dir.PidFile;
        if (File.Exists(pidFile) && int.TryParse(File.ReadAllText(pidFile).Trim(), out int pid) && IsAlive(pid))
        {
            CommandResult hup = CommandRunner.Host.Run("kill", ["-HUP", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            if (hup.Succeeded)
            {
                return $"Sent SIGHUP to the server (pid {pid}): it re-reads the CRL and drops '{name}' if connected (no management answer on {socket}).";
            }
        }

        return "No running server found; the CRL is updated, so the server refuses this certificate when it starts.";
    }

    private ServerConfig? TryParseServer()
    {
        try
        {
            return ConfigParser.ParseServer(_dir.ServerConfig);
        }
        catch (Exception ex) when (ex is ConfigException or IOException)
        {
            return null;
        }
    }

    private static bool IsAlive(int pid) => Directory.Exists($"/proc/{pid}");

    /// <summary>Only the PEM blocks of <paramref name="label"/> (easy-rsa certificates may carry a text dump first).</summary>
    internal static string PemBlocks(string text, string label)
    {
        string begin = $"-----BEGIN {label}-----";
        string end = $"-----END {label}-----";
        var sb = new System.Text.StringBuilder();
        int at = 0;
        while ((at = text.IndexOf(begin, at, StringComparison.Ordinal)) >= 0)
        {
            int stop = text.IndexOf(end, at, StringComparison.Ordinal);
            if (stop < 0)
            {
                break;
            }

            sb.Append(text, at, stop + end.Length - at).Append('\n');
            at = stop + end.Length;
        }

        return sb.Length == 0 ? text : sb.ToString();
    }

    /// <summary>Write-temp + rename with mode 0600: profiles carry the client's private key.</summary>
    internal static void WriteSecret(string path, byte[] content)
    {
        string temp = path + $".{Environment.ProcessId}.tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(temp, options))
        {
            stream.Write(content);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, path, overwrite: true);
    }

    [GeneratedRegex("^[A-Za-z0-9_@][A-Za-z0-9_@.-]*$")]
    private static partial Regex NamePattern();
}

using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using SharpVpn.Protocol.Control;
using SharpVpn.Tls;

namespace SharpVpn.Runtime.Shared;

/// <summary>Who a script is about: the variables OpenVPN derives from the client's certificate, address and peer info.</summary>
internal sealed record ScriptClient(
    string CommonName,
    string? Username,
    X509Certificate2? Certificate,
    X509Certificate2? Issuer,
    IPEndPoint Remote,
    PeerInfo PeerInfo);

/// <summary>
/// Runs OpenVPN's scripts (the server's auth, connect and address scripts, both sides' up/down and tls-verify) as
/// OpenVPN 2.6 does, so scripts written for it work unchanged: executed without a shell, in an environment of their
/// own (OpenVPN's variables, the config's <c>setenv</c> values and a PATH; never the process's own environment),
/// temporary files in <c>tmp-dir</c> with unguessable names. Blocking: the server's client scripts call it on the
/// thread pool; up/down, tls-verify and tls-crypt-v2-verify run where OpenVPN runs them, in line. A script still
/// running after the timeout is killed.
/// </summary>
internal sealed class ScriptRunner(string? tmpDir, IReadOnlyList<KeyValuePair<string, string>> setEnv,
    Func<IReadOnlyDictionary<string, string>> serverVariables, TimeSpan timeout)
{
    /// <summary>The longest a script may run before it is killed (the handshake window).</summary>
    public TimeSpan Timeout => timeout;

    /// <summary>
    /// The server's variables (tun device, addresses) and <paramref name="client"/>'s, taken now, on the control loop:
    /// the script's thread must not touch the client's certificate, which is disposed once the client is gone.
    /// </summary>
    public Dictionary<string, string> Context(ScriptClient? client)
    {
        var context = new Dictionary<string, string>(serverVariables(), StringComparer.Ordinal);
        if (client is not null)
        {
            AddClient(context, client);
        }

        return context;
    }

    /// <summary>
    /// Runs <paramref name="command"/> plus <paramref name="extraArguments"/> with OpenVPN's environment: the
    /// <paramref name="context"/> (<see cref="Context"/>), then <paramref name="variables"/>. Returns the exit code, or
    /// null with <paramref name="problem"/> when it could not run or was killed at the timeout.
    /// </summary>
    public int? Run(string what, IReadOnlyList<string> command, IEnumerable<string> extraArguments, IReadOnlyDictionary<string, string> context,
        IEnumerable<KeyValuePair<string, string>> variables, out string? problem)
    {
        problem = null;
        try
        {
            var start = new ProcessStartInfo(command[0]) { UseShellExecute = false };
            foreach (string argument in command.Skip(1).Concat(extraArguments))
            {
                start.ArgumentList.Add(argument);
            }

            IDictionary<string, string?> env = start.Environment;
            // OpenVPN hands scripts only the variables it sets; PATH is added so that a script calling 'grep' works as in
            // an interactive test (OpenVPN leaves it out, so scripts for it name full paths or set PATH themselves).
            env.Clear();
            env["PATH"] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
            foreach ((string name, string value) in setEnv.Concat(context).Concat(variables))
            {
                env[name] = value;
            }

            using Process process = StartRetryingWhileBusy(start);
            if (!process.WaitForExit(timeout))
            {
                try
                {
                    process.Kill(entireProcessTree: true);
                }
                catch (InvalidOperationException)
                {
                    // It ended meanwhile.
                }

                problem = $"{what} did not finish within {timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s (killed)";
                return null;
            }

            return process.ExitCode;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            problem = $"{what} could not run '{command[0]}': {ex.Message}";
            return null;
        }
    }

    /// <summary>
    /// Polls a deferred script's decision file (auth_control_file, client_connect_deferred_file) for its first character
    /// until the timeout, counted by <paramref name="clock"/> from the script's start: '1' accepts, '0' refuses; an empty
    /// or missing file means not yet, as does any other character in <paramref name="pending"/> (null: every other one);
    /// another character is returned as is. An empty string: no decision in time.
    /// </summary>
    public string AwaitDecision(string file, Stopwatch clock, string? pending)
    {
        while (clock.Elapsed < timeout)
        {
            string? decision = TryReadText(file, 1);
            if (decision is "1" or "0" || (decision is { Length: 1 } && pending is not null && !pending.Contains(decision[0], StringComparison.Ordinal)))
            {
                return decision;
            }

            Thread.Sleep(DecisionPoll);
        }

        return string.Empty;
    }

    private static readonly TimeSpan DecisionPoll = TimeSpan.FromMilliseconds(100);

    private string TempDirectory => tmpDir ?? (Environment.GetEnvironmentVariable("TMPDIR") is { Length: > 0 } t ? t : "/tmp");

    /// <summary>An unguessable name in the tmp-dir, as OpenVPN's platform_create_temp_file names them.</summary>
    public string TempFileName(string prefix) =>
        Path.Combine(TempDirectory, $"openvpn_{prefix}_{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16))}.tmp");

    /// <summary>Creates a new empty or filled file only this process's user can read (0600), never reusing a name.</summary>
    public static void CreatePrivateFile(string path, string content)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using var file = new FileStream(path, options);
        using var writer = new StreamWriter(file, new System.Text.UTF8Encoding(false));
        writer.Write(content);
    }

    /// <summary>Reads at most <paramref name="maxChars"/> of a file a script may have written; null when there is none.</summary>
    public static string? TryReadText(string path, int maxChars)
    {
        try
        {
            using var reader = new StreamReader(path);
            char[] buffer = new char[maxChars];
            int n = reader.ReadBlock(buffer, 0, buffer.Length);
            return new string(buffer, 0, n);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null; // FileNotFoundException included: the script wrote none.
        }
    }

    public static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Nothing more to do: the file is 0600 in the tmp-dir.
        }
    }

    // execve fails with ETXTBSY while any process has the script open for writing: an editor or deployment tool
    // saving it at that moment, or a process forked meanwhile that still holds a copy of the writer's descriptor
    // until it execs. Both last milliseconds; the script is tried again for up to ~0.6 s before that is an error.
    private const int TextFileBusy = 26;
    private static readonly int[] BusyRetryDelaysMs = [10, 20, 40, 80, 160, 320];

    private static Process StartRetryingWhileBusy(ProcessStartInfo start)
    {
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                return Process.Start(start) ?? throw new InvalidOperationException("the program did not start");
            }
            catch (System.ComponentModel.Win32Exception ex) when (ex.NativeErrorCode == TextFileBusy && attempt < BusyRetryDelaysMs.Length)
            {
                Thread.Sleep(BusyRetryDelaysMs[attempt]);
            }
        }
    }

    /// <summary>The client's variables: name, address, certificates (depth 0 and its issuer at 1), IV_/UV_ peer info.</summary>
    private static void AddClient(Dictionary<string, string> env, ScriptClient client)
    {
        foreach ((string name, string value) in client.PeerInfo.Values)
        {
            if ((name.StartsWith("IV_", StringComparison.Ordinal) || name.StartsWith("UV_", StringComparison.Ordinal)) && IsEnvName(name))
            {
                env[name] = OpenVpnStringMod.ReplaceControls(value);
            }
        }

        if (client.CommonName.Length > 0)
        {
            env["common_name"] = client.CommonName; // a client without a name (no certificate) has none, as in openvpn
        }
        if (client.Username is { } username)
        {
            env["username"] = OpenVpnStringMod.ReplaceControls(username);
        }

        AddAddress(env, "untrusted", client.Remote);
        AddCertificate(env, client.Certificate, 0);
        AddCertificate(env, client.Issuer, 1);
    }

    /// <summary>A peer address as OpenVPN names it (setenv_link_socket_actual): PREFIX_ip (PREFIX_ip6 for IPv6) and PREFIX_port.</summary>
    internal static void AddAddress(Dictionary<string, string> env, string prefix, IPEndPoint endpoint)
    {
        IPAddress address = endpoint.Address.IsIPv4MappedToIPv6 ? endpoint.Address.MapToIPv4() : endpoint.Address;
        bool v6 = address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6;
        env[v6 ? $"{prefix}_ip6" : $"{prefix}_ip"] = address.ToString();
        env[$"{prefix}_port"] = endpoint.Port.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>OpenVPN's per-depth certificate variables (ssl_verify.c verify_cert_set_env): 0 = the peer, 1 = its issuer.</summary>
    internal static void AddCertificate(Dictionary<string, string> env, X509Certificate2? cert, int depth)
    {
        if (cert is null)
        {
            return;
        }

        string d = depth.ToString(CultureInfo.InvariantCulture);
        env[$"tls_id_{d}"] = Tls.OpenVpnCertificateText.Subject(cert.SubjectName);
        foreach ((string field, string value) in Tls.OpenVpnCertificateText.SubjectFields(cert.SubjectName))
        {
            if (IsEnvName(field))
            {
                env[$"X509_{d}_{field}"] = OpenVpnStringMod.ReplaceControls(value);
            }
        }

        byte[] serial = cert.GetSerialNumber(); // little-endian
        Array.Reverse(serial);
        env[$"tls_serial_{d}"] = new System.Numerics.BigInteger(serial, isUnsigned: true, isBigEndian: true).ToString(CultureInfo.InvariantCulture);
        env[$"tls_serial_hex_{d}"] = ColonHex(serial.SkipWhile((b, i) => b == 0 && i < serial.Length - 1));
        env[$"tls_digest_{d}"] = ColonHex(SHA1.HashData(cert.RawDataMemory.Span));
        env[$"tls_digest_sha256_{d}"] = ColonHex(SHA256.HashData(cert.RawDataMemory.Span));
    }

    private static string ColonHex(IEnumerable<byte> bytes) =>
        string.Join(':', bytes.Select(b => b.ToString("x2", CultureInfo.InvariantCulture)));

    private static bool IsEnvName(string name)
    {
        foreach (char c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c == '_'))
            {
                return false;
            }
        }

        return true;
    }
}

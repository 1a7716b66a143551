using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using SharpVpn.Config;
using SharpVpn.Protocol.Control;

namespace SharpVpn.Runtime.Server;

/// <summary>What <c>auth-user-pass-verify</c> is asked about one client.</summary>
internal sealed record UserPassRequest(
    string Username,
    string Password,
    string CommonName,
    X509Certificate2? Certificate,
    X509Certificate2? Issuer,
    IPEndPoint Remote,
    PeerInfo PeerInfo);

/// <summary>The script's answer: accepted, or why not (for the log) and what the client is told, if anything.</summary>
internal sealed record UserPassVerdict(string? Problem, string? ClientReason = null)
{
    public static UserPassVerdict Accepted { get; } = new((string?)null);

    public bool IsAccepted => Problem is null;
}

/// <summary>
/// Runs <c>auth-user-pass-verify</c> for one client the way OpenVPN 2.6 does (ssl_verify.c verify_user_pass_script),
/// so scripts written for it work unchanged: the program is executed without a shell, with <c>script_type</c>,
/// <c>username</c>, <c>common_name</c>, <c>untrusted_ip</c>/<c>untrusted_port</c>, the certificate's
/// <c>X509_0_CN</c>/<c>tls_serial_0</c>/<c>tls_serial_hex_0</c>, the client's <c>IV_</c>/<c>UV_</c> peer info and the
/// config's <c>setenv</c> values in its environment (<c>password</c> too with via-env), or with the credentials in a
/// 0600 temporary file ("username\npassword\n", removed afterwards) named as its last argument (via-file). Exit
/// code 0 accepts; a refusing script may write one line to the file named by <c>auth_failed_reason_file</c>,
/// which the client receives as <c>AUTH_FAILED,reason</c> (OpenVPN 2.6). Exit code 2 defers the decision: the script
/// (or something it started) later writes "1" (accept) or "0" (refuse) to the file named by <c>auth_control_file</c>,
/// polled until the handshake window ends, as OpenVPN does. As in OpenVPN, characters outside printable ASCII (CR and LF included) reach the script as '_',
/// so a password cannot add lines to the file. Unlike OpenVPN, which waits for the script in its only thread,
/// it runs on a thread-pool thread: other clients' handshakes and traffic go on meanwhile. A script still running
/// after <paramref name="timeout"/> is killed and the client refused.
/// </summary>
internal sealed class UserPassScript(UserPassVerifyScript script, string? tmpDir, IReadOnlyList<KeyValuePair<string, string>> setEnv,
    Func<IReadOnlyDictionary<string, string>> commonEnvironment, TimeSpan timeout)
{
    private static readonly TimeSpan ControlFilePoll = TimeSpan.FromMilliseconds(100);

    /// <summary>Runs the script off the calling thread.</summary>
    public Task<UserPassVerdict> VerifyAsync(UserPassRequest request)
    {
        IReadOnlyDictionary<string, string> common = commonEnvironment();
        return Task.Run(() => Verify(request, common));
    }

    private UserPassVerdict Verify(UserPassRequest request, IReadOnlyDictionary<string, string> common)
    {
        string username = Sanitize(request.Username);
        string password = Sanitize(request.Password);
        string? credentialsFile = null;
        string reasonFile = TempFileName("afr");
        string controlFile = TempFileName("acf");
        var clock = Stopwatch.StartNew();
        try
        {
            var start = new ProcessStartInfo(script.Command[0]) { UseShellExecute = false };
            for (int i = 1; i < script.Command.Count; i++)
            {
                start.ArgumentList.Add(script.Command[i]);
            }

            if (!script.ViaEnv)
            {
                credentialsFile = WriteCredentialsFile(username, password);
                start.ArgumentList.Add(credentialsFile);
            }

            FillEnvironment(start.Environment, request, username, password, common);
            start.Environment["auth_failed_reason_file"] = reasonFile;
            start.Environment["auth_control_file"] = controlFile;
            using var process = Process.Start(start) ?? throw new InvalidOperationException("the program did not start");
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

                return new($"auth-user-pass-verify did not finish within {timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s (killed)");
            }

            return process.ExitCode switch
            {
                0 => UserPassVerdict.Accepted,
                2 => AwaitDeferredDecision(controlFile, reasonFile, clock),
                _ => new($"auth-user-pass-verify exited with code {process.ExitCode.ToString(CultureInfo.InvariantCulture)}", ReadReason(reasonFile)),
            };
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return new($"auth-user-pass-verify could not run '{script.Command[0]}': {ex.Message}");
        }
        finally
        {
            if (credentialsFile is not null)
            {
                TryDelete(credentialsFile);
            }

            TryDelete(reasonFile);
            TryDelete(controlFile);
        }
    }

    /// <summary>
    /// Deferred authentication (exit code 2): polls auth_control_file for "1" or "0" (OpenVPN's
    /// key_state_test_auth_control_file reads its first character; anything else means still pending) until the
    /// handshake window, counted from the script's start, is over.
    /// </summary>
    private UserPassVerdict AwaitDeferredDecision(string controlFile, string reasonFile, Stopwatch clock)
    {
        while (clock.Elapsed < timeout)
        {
            int decision = ReadFirstChar(controlFile);
            if (decision == '1')
            {
                return UserPassVerdict.Accepted;
            }

            if (decision == '0')
            {
                return new("auth-user-pass-verify (deferred) refused the client", ReadReason(reasonFile));
            }

            Thread.Sleep(ControlFilePoll);
        }

        return new($"auth-user-pass-verify (deferred) gave no decision within {timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s");
    }

    private static int ReadFirstChar(string path)
    {
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            return file.ReadByte();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return -1; // not written yet
        }
    }

    /// <summary>The first line of the reason file a refusing script wrote (at most 256 printable characters), or null.</summary>
    private static string? ReadReason(string path)
    {
        try
        {
            using var reader = new StreamReader(path);
            char[] buffer = new char[256];
            int n = reader.ReadBlock(buffer, 0, buffer.Length);
            string line = new string(buffer, 0, n).Split('\n')[0].TrimEnd('\r');
            return line.Length == 0 ? null : Sanitize(line);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null; // FileNotFoundException included: the script wrote none.
        }
    }

    private string TempDirectory => tmpDir ?? (Environment.GetEnvironmentVariable("TMPDIR") is { Length: > 0 } t ? t : "/tmp");

    /// <summary>An unguessable name in the tmp-dir, as OpenVPN's platform_create_temp_file names them.</summary>
    private string TempFileName(string prefix) =>
        Path.Combine(TempDirectory, $"openvpn_{prefix}_{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16))}.tmp");

    private void FillEnvironment(IDictionary<string, string?> env, UserPassRequest request, string username, string password,
        IReadOnlyDictionary<string, string> common)
    {
        // OpenVPN hands scripts only the variables it sets, not its own environment; PATH is added so that a script
        // calling 'grep' works here as in an interactive test (OpenVPN leaves it out, so scripts for it name full paths).
        env.Clear();
        env["PATH"] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
        foreach ((string name, string value) in setEnv)
        {
            env[name] = value;
        }

        foreach ((string name, string value) in common)
        {
            env[name] = value;
        }

        foreach ((string name, string value) in request.PeerInfo.Values)
        {
            if ((name.StartsWith("IV_", StringComparison.Ordinal) || name.StartsWith("UV_", StringComparison.Ordinal)) && IsEnvName(name))
            {
                env[name] = Sanitize(value);
            }
        }

        env["script_type"] = "user-pass-verify";
        env["script_context"] = "init";
        env["username"] = username;
        if (script.ViaEnv)
        {
            env["password"] = password;
        }

        env["common_name"] = request.CommonName;
        IPAddress address = request.Remote.Address.IsIPv4MappedToIPv6 ? request.Remote.Address.MapToIPv4() : request.Remote.Address;
        env[address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? "untrusted_ip6" : "untrusted_ip"] = address.ToString();
        env["untrusted_port"] = request.Remote.Port.ToString(CultureInfo.InvariantCulture);
        AddCertificate(env, request.Certificate, 0);
        AddCertificate(env, request.Issuer, 1);
    }

    /// <summary>OpenVPN's per-depth certificate variables (ssl_verify.c verify_cert_set_env): 0 = the client, 1 = its issuer.</summary>
    private static void AddCertificate(IDictionary<string, string?> env, X509Certificate2? cert, int depth)
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
                env[$"X509_{d}_{field}"] = Sanitize(value);
            }
        }

        byte[] serial = cert.GetSerialNumber(); // little-endian
        Array.Reverse(serial);
        env[$"tls_serial_{d}"] = new System.Numerics.BigInteger(serial, isUnsigned: true, isBigEndian: true).ToString(CultureInfo.InvariantCulture);
        env[$"tls_serial_hex_{d}"] = ColonHex(serial.SkipWhile((b, i) => b == 0 && i < serial.Length - 1));
        env[$"tls_digest_{d}"] = ColonHex(SHA1.HashData(cert.RawDataMemory.Span));
        env[$"tls_digest_sha256_{d}"] = ColonHex(SHA256.HashData(cert.RawDataMemory.Span));
    }

    /// <summary>A 0600 file the server alone can read, created new (never follows or reuses an existing name).</summary>
    private string WriteCredentialsFile(string username, string password)
    {
        string path = TempFileName("up");
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            Share = FileShare.None,
        };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var file = new FileStream(path, options))
        using (var writer = new StreamWriter(file, new System.Text.UTF8Encoding(false)))
        {
            writer.Write(username);
            writer.Write('\n');
            writer.Write(password);
            writer.Write('\n');
        }

        return path;
    }

    private static void TryDelete(string path)
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

    /// <summary>OpenVPN's string_mod(s, CC_PRINT, CC_CRLF, '_'): printable ASCII stays, anything else becomes '_'.</summary>
    internal static string Sanitize(string value) =>
        string.Create(value.Length, value, static (span, s) =>
        {
            for (int i = 0; i < s.Length; i++)
            {
                char c = s[i];
                span[i] = c is >= ' ' and <= '~' ? c : '_';
            }
        });

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

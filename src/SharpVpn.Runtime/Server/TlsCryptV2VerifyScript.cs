using System.Globalization;
using SharpVpn.Runtime.Shared;

namespace SharpVpn.Runtime.Server;

/// <summary>
/// <c>tls-crypt-v2-verify CMD</c> as OpenVPN 2.6 runs it (tls_crypt.c tls_crypt_v2_verify_metadata): for a new client's
/// tls-crypt-v2 key, after its wrapping was authenticated and before any session exists, with only
/// <c>script_type</c>, <c>metadata_type</c> (0 user, 1 timestamp) and <c>metadata_file</c> (the metadata after its type
/// byte, in a 0600 file removed afterwards); a non-zero exit drops the client's packet, so revoked client keys stay
/// out. Like OpenVPN's it runs before the client's session is made, on the server's control loop: keep it quick.
/// </summary>
internal sealed class TlsCryptV2VerifyScript(IReadOnlyList<string> command, ScriptRunner runner)
{
    /// <summary>True when the script accepts <paramref name="metadata"/> (type byte first); <paramref name="log"/> gets OpenVPN's verdict line.</summary>
    public bool Accepts(ReadOnlySpan<byte> metadata, Action<string> log)
    {
        if (metadata.IsEmpty)
        {
            log("ERROR: no metadata type");
            return false;
        }

        string file = runner.TempFileName("tls_crypt_v2_metadata");
        try
        {
            ScriptRunner.CreatePrivateFile(file, string.Empty); // 0600 first, then the bytes
            File.WriteAllBytes(file, metadata[1..].ToArray());

            var variables = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["script_type"] = "tls-crypt-v2-verify",
                ["metadata_type"] = metadata[0].ToString(CultureInfo.InvariantCulture),
                ["metadata_file"] = file,
            };
            int? exit = runner.Run("tls-crypt-v2-verify", command, [], new Dictionary<string, string>(), variables, out string? problem);
            if (exit == 0)
            {
                log("TLS CRYPT V2 VERIFY SCRIPT OK");
                return true;
            }

            log($"TLS CRYPT V2 VERIFY SCRIPT ERROR ({problem ?? $"exited with code {exit?.ToString(CultureInfo.InvariantCulture)}"})");
            return false;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            log($"ERROR: could not write metadata to file: {ex.Message}");
            return false;
        }
        finally
        {
            ScriptRunner.TryDelete(file);
        }
    }
}

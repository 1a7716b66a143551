using System.CommandLine;
using System.Text;
using SharpVpn.Pki;
using SharpVpn.Protocol.Keys;

namespace SharpVpn.Cli.Commands;

/// <summary>
/// <c>sharpvpn genkey secret|tls-crypt-v2-server|tls-crypt-v2-client|auth-token FILE</c>: the keys 'openvpn --genkey' makes,
/// in the same file formats (openvpn-protocol.md §4.1, §5.2). Files are written atomically with mode 0600 and
/// never replace an existing file unless --force is given.
/// </summary>
internal static class GenkeyCommand
{
    private const UnixFileMode KeyFileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public static Command Create()
    {
        var command = new Command("genkey", "Generate OpenVPN static keys (tls-auth / tls-crypt secret, tls-crypt-v2 server and client keys, auth-token secret), like 'openvpn --genkey'");

        var secretFile = new Argument<string>("file") { Description = "Key file to write" };
        var secretForce = ForceOption();
        var secret = new Command("secret", "A 2048-bit 'OpenVPN Static key V1' for --tls-auth / --tls-crypt (like 'openvpn --genkey secret FILE')")
        {
            secretFile, secretForce,
        };
        secret.Aliases.Add("tls-auth");
        secret.Aliases.Add("tls-crypt");
        secret.SetAction(int (ParseResult r) =>
        {
            string path = r.GetValue(secretFile)!;
            WriteKeyFile(path, StaticKey.Generate().ToFileText(), r.GetValue(secretForce));
            Console.WriteLine($"Wrote static key to {path}");
            return 0;
        });
        command.Subcommands.Add(secret);

        var serverFile = new Argument<string>("file") { Description = "Server key file to write" };
        var serverForce = ForceOption();
        var server = new Command("tls-crypt-v2-server", "A tls-crypt-v2 server key (like 'openvpn --genkey tls-crypt-v2-server FILE')")
        {
            serverFile, serverForce,
        };
        server.SetAction(int (ParseResult r) =>
        {
            string path = r.GetValue(serverFile)!;
            WriteKeyFile(path, TlsCryptV2ServerKey.Generate().ToFileText(), r.GetValue(serverForce));
            Console.WriteLine($"Wrote tls-crypt-v2 server key to {path}");
            return 0;
        });
        command.Subcommands.Add(server);

        var clientFile = new Argument<string>("file") { Description = "Client key file to write" };
        var serverKeyOption = new Option<string>("--server-key") { Description = "The tls-crypt-v2 server key that wraps the client key", Required = true };
        var metadataOption = new Option<string?>("--metadata") { Description = "User metadata stored in the wrapped key (UTF-8 text, at most 733 bytes); default: the creation time, as openvpn does" };
        var clientForce = ForceOption();
        var client = new Command("tls-crypt-v2-client", "A tls-crypt-v2 client key wrapped by a server key (like 'openvpn --tls-crypt-v2 SERVERKEY --genkey tls-crypt-v2-client FILE')")
        {
            clientFile, serverKeyOption, metadataOption, clientForce,
        };
        client.SetAction(int (ParseResult r) =>
        {
            string path = r.GetValue(clientFile)!;
            string serverKeyPath = r.GetValue(serverKeyOption)!;
            string text;
            try
            {
                text = File.ReadAllText(serverKeyPath);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new IOException($"Cannot read the tls-crypt-v2 server key {serverKeyPath}: {ex.Message}", ex);
            }
            var serverKey = TlsCryptV2ServerKey.Parse(text, serverKeyPath);
            string? metadataText = r.GetValue(metadataOption);
            byte[] metadata;
            if (metadataText is null)
            {
                metadata = TlsCryptV2Metadata.Timestamp(DateTimeOffset.UtcNow);
            }
            else
            {
                byte[] user = Encoding.UTF8.GetBytes(metadataText);
                if (user.Length + 1 > Protocol.ProtocolConstants.TlsCryptV2MaxMetadataBytes)
                {
                    throw new UsageException($"--metadata is {user.Length} bytes; tls-crypt-v2 allows at most {Protocol.ProtocolConstants.TlsCryptV2MaxMetadataBytes - 1}.");
                }
                metadata = TlsCryptV2Metadata.User(user);
            }
            WriteKeyFile(path, TlsCryptV2ClientKey.Create(serverKey, metadata).ToFileText(), r.GetValue(clientForce));
            Console.WriteLine($"Wrote tls-crypt-v2 client key to {path}");
            return 0;
        });
        command.Subcommands.Add(client);

        var tokenFile = new Argument<string>("file") { Description = "Key file to write" };
        var tokenForce = ForceOption();
        var token = new Command("auth-token", "The secret that signs auth-gen-token session tokens, for auth-gen-token-secret (like 'openvpn --genkey auth-token FILE')")
        {
            tokenFile, tokenForce,
        };
        token.SetAction(int (ParseResult r) =>
        {
            string path = r.GetValue(tokenFile)!;
            WriteKeyFile(path, AuthTokenKey.Generate().ToFileText(), r.GetValue(tokenForce));
            Console.WriteLine($"Wrote auth-token server key to {path}");
            return 0;
        });
        command.Subcommands.Add(token);
        return command;
    }

    private static Option<bool> ForceOption() => new("--force") { Description = "Replace the file if it exists" };

    private static void WriteKeyFile(string path, string text, bool force)
    {
        if (!force && (File.Exists(path) || Directory.Exists(path)))
        {
            throw new UsageException($"{path} already exists; pass --force to replace it.");
        }
        string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null && !Directory.Exists(dir))
        {
            throw new IOException($"Cannot write {path}: the directory {dir} does not exist.");
        }
        AtomicFile.WriteText(path, text, KeyFileMode);
    }
}

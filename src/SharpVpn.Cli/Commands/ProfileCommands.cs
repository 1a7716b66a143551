using System.CommandLine;
using System.Globalization;
using SharpVpn.Pki;
using SharpVpn.Runtime.Setup;
using Spectre.Console;

namespace SharpVpn.Cli.Commands;

/// <summary>
/// <c>sharpvpn profile add|list|revoke|renew</c>: client profiles of a quickstart data directory. Profiles are
/// rendered from the directory's server.conf, so they match the server's port, proto, ciphers and tls-crypt key.
/// </summary>
internal static class ProfileCommands
{
    public static Command Create()
    {
        var command = new Command("profile", "Manage client profiles: add, list, revoke, renew");
        command.Subcommands.Add(CreateAdd());
        command.Subcommands.Add(CreateList());
        command.Subcommands.Add(CreateRevoke());
        command.Subcommands.Add(CreateRenew());
        return command;
    }

    private static Option<string> DirOption() => new("--dir")
    {
        Description = "Data directory made by 'sharpvpn quickstart'",
        DefaultValueFactory = _ => DataDirectory.DefaultRoot,
    };

    private static Argument<string> NameArgument() => new("NAME") { Description = "Client name (the certificate's common name)" };

    private static Command CreateAdd()
    {
        Argument<string> name = NameArgument();
        var passphrase = new Option<bool>("--passphrase") { Description = "Protect the client's private key with a passphrase (asked for twice)" };
        var passout = new Option<string?>("--passout") { Description = "Passphrase for the private key: pass:TEXT, file:PATH, env:VAR or stdin" };
        var days = new Option<int?>("--days") { Description = "Certificate validity in days (default 825)" };
        var format = new Option<string>("--format") { Description = "ovpn (one file, everything inline) or zip (client.ovpn + ca.crt, NAME.crt, NAME.key, ta.key, Windows line endings)", DefaultValueFactory = _ => "ovpn" };
        format.AcceptOnlyFromAmong("ovpn", "zip");
        var remote = new Option<string?>("--remote") { Description = "Server address for the profile (default: the public address recorded in server.conf)" };
        Option<string> dir = DirOption();
        var add = new Command("add", "Issue a client certificate and write its profile (NAME.ovpn, or NAME.zip with --format zip)")
        {
            name, passphrase, passout, days, format, remote, dir,
        };
        add.SetAction(int (ParseResult r) =>
        {
            string? pass = r.GetValue(passout) is { } spec ? PassphraseSpec.Resolve(spec, "--passout") : null;
            if (r.GetValue(passphrase) && pass is null)
            {
                pass = AskPassphrase();
            }

            if (r.GetValue(days) is int d && d is < 1 or > 36500)
            {
                throw new UsageException($"--days {d} is outside 1..36500.");
            }

            var manager = new ProfileManager(new DataDirectory(r.GetValue(dir)!));
            string path = Guard(() => manager.Add(r.GetValue(name)!, r.GetValue(format) == "zip" ? ProfileFormat.Zip : ProfileFormat.Ovpn,
                pass, r.GetValue(days), r.GetValue(remote)));
            Console.WriteLine($"Wrote {path}");
            Console.WriteLine(pass is null
                ? "It contains the client's private key: hand it over privately."
                : "The private key inside is passphrase-protected; OpenVPN asks for the passphrase when connecting.");
            return CommandExit.Success;
        });
        return add;
    }

    private static Command CreateList()
    {
        Option<string> dir = DirOption();
        var list = new Command("list", "List client profiles: name, status, VPN address if connected, expiry") { dir };
        list.SetAction(int (ParseResult r) =>
        {
            var manager = new ProfileManager(new DataDirectory(r.GetValue(dir)!));
            IReadOnlyList<ProfileInfo> rows = manager.List();
            var table = new Table().AddColumns("Name", "Status", "VPN address", "Expires", "Profile");
            foreach (ProfileInfo p in rows)
            {
                table.AddRow([.. Cells(p).Select(Markup.Escape)]);
            }

            if (rows.Count == 0)
            {
                Console.WriteLine("No client profiles yet: sharpvpn profile add NAME");
            }
            else if (Console.IsOutputRedirected)
            {
                // Scripts and pipes get whole values in aligned columns, never a table cut to 80 characters.
                string[][] cells = [["NAME", "STATUS", "VPN-ADDRESS", "EXPIRES", "PROFILE"], .. rows.Select(Cells)];
                int[] widths = [.. Enumerable.Range(0, 5).Select(i => cells.Max(c => c[i].Length))];
                foreach (string[] c in cells)
                {
                    Console.WriteLine(string.Join("  ", c.Select((v, i) => i == 4 ? v : v.PadRight(widths[i]))).TrimEnd());
                }
            }
            else
            {
                AnsiConsole.Write(table);
            }

            return CommandExit.Success;
        });
        return list;
    }

    private static string[] Cells(ProfileInfo p) =>
    [
        p.Name,
        p.Connection is not null ? "connected" : p.Status.ToString().ToLowerInvariant(),
        p.Connection?.VirtualAddress is { Length: > 0 } address ? address : "-",
        p.NotAfter.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        p.ProfilePath ?? "-",
    ];

    private static Command CreateRevoke()
    {
        Argument<string> name = NameArgument();
        Option<string> dir = DirOption();
        var revoke = new Command("revoke", "Revoke a client: update the CRL, delete its profile, disconnect it from the running server") { name, dir };
        revoke.SetAction(int (ParseResult r) =>
        {
            var manager = new ProfileManager(new DataDirectory(r.GetValue(dir)!));
            RevokeOutcome outcome = Guard(() => manager.Revoke(r.GetValue(name)!));
            Console.WriteLine($"Revoked '{outcome.Name}' and regenerated the CRL.");
            foreach (string file in outcome.DeletedFiles)
            {
                Console.WriteLine($"Deleted {file}");
            }

            Console.WriteLine(outcome.ServerNotice);
            return CommandExit.Success;
        });
        return revoke;
    }

    private static Command CreateRenew()
    {
        Argument<string> name = NameArgument();
        var days = new Option<int?>("--days") { Description = "Validity of the new certificate in days (default 825)" };
        Option<string> dir = DirOption();
        var renew = new Command("renew", "Issue a fresh certificate for a client (same key) and rewrite its profile") { name, days, dir };
        renew.SetAction(int (ParseResult r) =>
        {
            var manager = new ProfileManager(new DataDirectory(r.GetValue(dir)!));
            foreach (string path in Guard(() => manager.Renew(r.GetValue(name)!, r.GetValue(days))))
            {
                Console.WriteLine($"Wrote {path}");
            }

            Console.WriteLine("Hand the new profile to the user; the old certificate stays valid until it expires or is revoked.");
            return CommandExit.Success;
        });
        return renew;
    }

    private static T Guard<T>(Func<T> action)
    {
        try
        {
            return action();
        }
        catch (ArgumentException ex)
        {
            throw new UsageException(ex.Message);
        }
    }

    private static string AskPassphrase()
    {
        if (Console.IsInputRedirected)
        {
            throw new UsageException("--passphrase needs a terminal to ask on; use --passout pass:|file:|env:|stdin instead.");
        }

        string first = AnsiConsole.Prompt(new TextPrompt<string>("Passphrase for the client's private key:").Secret());
        string second = AnsiConsole.Prompt(new TextPrompt<string>("Again:").Secret());
        if (first != second)
        {
            throw new UsageException("The two passphrases differ.");
        }

        if (first.Length < 4)
        {
            throw new UsageException("The passphrase must have at least 4 characters (OpenSSL's minimum).");
        }

        return first;
    }
}

using System.CommandLine;
using SharpVpn.Cli.Pki;
using SharpVpn.Pki;

namespace SharpVpn.Cli.Commands;

/// <summary>
/// <c>sharpvpn pki [--pki-dir DIR] [--batch] [--vars FILE] VERB ...</c>: easy-rsa 3's verbs over
/// <see cref="CertificateAuthority"/>. Options are recursive, so they go before or after the verb
/// (<c>--days 30</c> or <c>--days=30</c>, as easy-rsa writes them).
/// </summary>
internal static class PkiCommands
{
    private static readonly Option<string?> PkiDir = new("--pki-dir") { Description = "PKI directory (default: $EASYRSA_PKI, else ./pki)", Recursive = true };
    private static readonly Option<bool> Batch = new("--batch") { Description = "Never prompt; fail if a passphrase is needed and not given (also $EASYRSA_BATCH)", Recursive = true };
    private static readonly Option<string?> Vars = new("--vars") { Description = "easy-rsa vars file (set_var EASYRSA_* or easy-rsa 2 export KEY_*); default $EASYRSA_VARS_FILE, else PKI/vars", Recursive = true };
    private static readonly Option<int?> Days = new("--days") { Description = "Validity in days (CA 3650, certificates 825, CRL 3650 by default)", Recursive = true };
    private static readonly Option<string?> Algo = new("--algo", "--use-algo") { Description = "Key algorithm: rsa (default), ec, ed (Ed25519, or Ed448 with --curve ed448)", Recursive = true };
    private static readonly Option<int?> KeySize = new("--keysize") { Description = "RSA key size in bits (default 2048)", Recursive = true };
    private static readonly Option<string?> Curve = new("--curve") { Description = "curve: for --algo ec secp384r1 (default), prime256v1, secp521r1; for --algo ed ed25519 (default) or ed448", Recursive = true };
    private static readonly Option<string?> DnModeOption = new("--dn-mode") { Description = "Subject: cn_only (default) or org (C/ST/L/O/OU/email from vars)", Recursive = true };
    private static readonly Option<string?> ReqCn = new("--req-cn") { Description = "Common name for build-ca / gen-req", Recursive = true };
    private static readonly Option<string[]> San = new("--subject-alt-name", "--san") { Description = "SANs, e.g. DNS:vpn.example.com,IP:172.16.1.254", Recursive = true, AllowMultipleArgumentsPerToken = false };
    private static readonly Option<string?> PassIn = new("--passin") { Description = "CA key passphrase: pass:TEXT, file:PATH, env:VAR or stdin (also $EASYRSA_PASSIN)", Recursive = true };
    private static readonly Option<string?> PassOut = new("--passout") { Description = "Passphrase for new keys: pass:TEXT, file:PATH, env:VAR or stdin (also $EASYRSA_PASSOUT)", Recursive = true };
    private static readonly Option<bool> Force = new("--force") { Description = "Overwrite an existing PKI, CA, key, certificate or dh.pem", Recursive = true };

    public static Command Create()
    {
        var command = new Command("pki", "Build and run an easy-rsa compatible certificate authority (init-pki, build-ca, sign-req, revoke, gen-crl, list, ...)");
        foreach (Option o in new Option[] { PkiDir, Batch, Vars, Days, Algo, KeySize, Curve, DnModeOption, ReqCn, San, PassIn, PassOut, Force })
        {
            command.Options.Add(o);
        }

        command.Subcommands.Add(Verb("init-pki", "Create an empty PKI directory (--force deletes an existing one)", [], r =>
        {
            CertificateAuthority ca = CertificateAuthority.InitPki(PkiDirectory(r), r.GetValue(Force), Settings(r));
            Console.WriteLine($"init-pki complete: {ca.Paths.Root}");
        }));

        var caOpts = Words("nopass", "nopass to leave the CA key unencrypted");
        command.Subcommands.Add(Verb("build-ca", "Create the CA key and certificate (ca.crt, private/ca.key)", [caOpts], r =>
        {
            CertificateAuthority ca = Open(r);
            bool nopass = NoPass(r, caOpts);
            string cn = r.GetValue(ReqCn) ?? ca.Settings.RequestCn ?? "Easy-RSA CA";
            string? pass = nopass ? null : NewPassphrase(r, "the CA key");
            var cert = ca.BuildCa(new CaOptions { CommonName = cn, Days = r.GetValue(Days), Key = ca.Settings.KeyOptions(pass), Force = r.GetValue(Force) });
            Console.WriteLine($"CA created: {ca.CaCertPath} ({cert.Subject}, expires {cert.NotAfter:yyyy-MM-dd})");
            Console.WriteLine($"CA key:     {ca.CaKeyPath}{(nopass ? " (NOT encrypted)" : " (encrypted)")}");
        }));

        var reqName = new Argument<string>("name") { Description = "File base name (private/NAME.key, reqs/NAME.req)" };
        var reqOpts = Words("nopass", "nopass to leave the key unencrypted");
        command.Subcommands.Add(Verb("gen-req", "Create a private key and certificate request", [reqName, reqOpts], r =>
        {
            CertificateAuthority ca = Open(r);
            string name = r.GetValue(reqName)!;
            string? pass = NoPass(r, reqOpts) ? null : NewPassphrase(r, $"private/{name}.key");
            string path = ca.GenReq(name, ca.Settings.KeyOptions(pass), r.GetValue(ReqCn), r.GetValue(Force));
            Console.WriteLine($"Request: {path}\nKey:     {ca.KeyPath(name)}");
        }));

        var importFile = new Argument<string>("file") { Description = "Request file (PEM) to import" };
        var importName = new Argument<string>("name") { Description = "Short name to sign it under" };
        command.Subcommands.Add(Verb("import-req", "Import a certificate request made elsewhere", [importFile, importName], r =>
        {
            CertificateAuthority ca = Open(r);
            ca.ImportReq(r.GetValue(importFile)!, r.GetValue(importName)!, r.GetValue(Force));
            Console.WriteLine($"Request imported: {ca.RequestPath(r.GetValue(importName)!)}");
        }));

        var signType = new Argument<string>("type") { Description = "client, server or serverClient" };
        var signName = new Argument<string>("name") { Description = "Name of the request in reqs/" };
        command.Subcommands.Add(Verb("sign-req", "Sign reqs/NAME.req as a client or server certificate", [signType, signName], r =>
        {
            CertificateAuthority ca = OpenCa(r);
            IssuedCertificate c = ca.SignReq(ParseType(r.GetValue(signType)!), r.GetValue(signName)!, r.GetValue(Days), Sans(r), r.GetValue(Force));
            Report(c);
        }));

        foreach ((string verb, CertType type) in new[] { ("build-server-full", CertType.Server), ("build-client-full", CertType.Client), ("build-serverClient-full", CertType.ServerClient) })
        {
            var name = new Argument<string>("name") { Description = "Name (also the certificate's CN)" };
            var opts = Words("nopass", "nopass to leave the key unencrypted");
            command.Subcommands.Add(Verb(verb, $"Key, request and {(type == CertType.ServerClient ? "serverClient" : type.ToString().ToLowerInvariant())} certificate in one step", [name, opts], r =>
            {
                CertificateAuthority ca = OpenCa(r);
                string n = r.GetValue(name)!;
                string? pass = NoPass(r, opts) ? null : NewPassphrase(r, $"private/{n}.key");
                Report(ca.BuildFull(type, n, ca.Settings.KeyOptions(pass), r.GetValue(Days), Sans(r)));
            }));
        }

        var revokeName = new Argument<string>("name") { Description = "Name of the issued certificate" };
        var reason = new Argument<string?>("reason") { Description = "unspecified, keyCompromise, CACompromise, affiliationChanged, superseded, cessationOfOperation, certificateHold", Arity = ArgumentArity.ZeroOrOne };
        command.Subcommands.Add(Verb("revoke", "Revoke a certificate (then run gen-crl)", [revokeName, reason], r =>
        {
            CertificateAuthority ca = OpenCa(r);
            RevocationReason? why = r.GetValue(reason) is { } text ? ParseReason(text) : null;
            IndexEntry e = ca.Revoke(r.GetValue(revokeName)!, why);
            Console.WriteLine($"Revoked {r.GetValue(revokeName)} (serial {e.Serial}). Run 'sharpvpn pki gen-crl' and deploy crl.pem for it to take effect.");
        }));

        command.Subcommands.Add(Verb("gen-crl", "Write crl.pem from the CA database", [], r =>
        {
            CertificateAuthority ca = OpenCa(r);
            CrlInfo info = ca.GenCrl(r.GetValue(Days));
            Console.WriteLine($"CRL written: {ca.CrlPath} ({info.RevokedCount} revoked, valid until {info.NextUpdate:yyyy-MM-dd})");
        }));

        var renewName = new Argument<string>("name") { Description = "Name of the issued certificate" };
        command.Subcommands.Add(Verb("renew", "Issue a new certificate for NAME with the same key; the old one moves to renewed/", [renewName], r =>
        {
            CertificateAuthority ca = OpenCa(r);
            Report(ca.Renew(r.GetValue(renewName)!, r.GetValue(Days)));
        }));

        var showName = new Argument<string>("name") { Description = "Name of the issued certificate" };
        command.Subcommands.Add(Verb("show-cert", "Show an issued certificate", [showName], r =>
        {
            CertificateAuthority ca = Open(r);
            string path = ca.CertPath(r.GetValue(showName)!);
            Console.Write(CertificateView.Render(KeyStore.LoadCertificate(path), path));
        }));

        command.Subcommands.Add(Verb("show-ca", "Show the CA certificate", [], r =>
        {
            CertificateAuthority ca = Open(r);
            Console.Write(CertificateView.Render(ca.LoadCaCertificate(), ca.CaCertPath));
        }));

        var generate = new Option<int?>("--generate") { Description = "Generate a fresh safe prime of this many bits instead of using RFC 7919 ffdhe2048 (slow: minutes for 2048)" };
        command.Subcommands.Add(Verb("gen-dh", "Write dh.pem (RFC 7919 ffdhe2048 by default)", [generate], r =>
        {
            CertificateAuthority ca = Open(r);
            int? bits = r.GetValue(generate);
            if (bits is not null)
            {
                Console.Error.Write($"Generating a {bits}-bit safe prime ('.' candidate, '+' q prime, '*' done): ");
            }
            string path = ca.GenDh(bits, c => Console.Error.Write(c), r.GetValue(Force));
            if (bits is not null)
            {
                Console.Error.WriteLine();
            }
            Console.WriteLine($"DH parameters written: {path}{(bits is null ? " (RFC 7919 ffdhe2048)" : "")}");
        }));

        command.Subcommands.Add(Verb("list", "List certificates with status and expiry; warn about upcoming expiry", [], r =>
        {
            CertificateAuthority ca = Open(r);
            string table = PkiListView.Render(ca.List(), ca.ReadCrl(), DateTimeOffset.UtcNow, out List<string> warnings);
            Console.Write(table);
            foreach (string w in warnings)
            {
                Console.Error.WriteLine($"warning: {w}");
            }
        }));

        return command;
    }

    private static Command Verb(string name, string description, Symbol[] symbols, Action<ParseResult> action)
    {
        var c = new Command(name, description);
        foreach (Symbol s in symbols)
        {
            switch (s)
            {
                case Argument a:
                    c.Arguments.Add(a);
                    break;
                case Option o:
                    c.Options.Add(o);
                    break;
            }
        }
        c.SetAction(int (ParseResult r) =>
        {
            action(r);
            return 0;
        });
        return c;
    }

    private static Argument<string[]> Words(string name, string description) =>
        new(name) { Description = description, Arity = ArgumentArity.ZeroOrMore };

    private static bool NoPass(ParseResult r, Argument<string[]> words)
    {
        bool nopass = false;
        foreach (string w in r.GetValue(words) ?? [])
        {
            nopass = w == "nopass" ? true : throw new UsageException($"Unknown option '{w}' (only 'nopass' is accepted here).");
        }
        return nopass;
    }

    private static string PkiDirectory(ParseResult r)
    {
        if (r.GetValue(PkiDir) is { } dir)
        {
            return dir;
        }
        return Environment.GetEnvironmentVariable("EASYRSA_PKI") is { Length: > 0 } env ? env : "pki";
    }

    private static PkiSettings Settings(ParseResult r)
    {
        var s = new PkiSettings();
        // Like easy-rsa: --vars, else $EASYRSA_VARS_FILE, else PKI/vars when it exists.
        string? vars = r.GetValue(Vars) ?? NonEmpty(Environment.GetEnvironmentVariable("EASYRSA_VARS_FILE"));
        if (vars is null && File.Exists(Path.Combine(PkiDirectory(r), "vars")))
        {
            vars = Path.Combine(PkiDirectory(r), "vars");
        }
        if (vars is not null)
        {
            s = VarsFile.Load(vars, s);
        }
        if (r.GetValue(Algo) is { } algo)
        {
            s = s with { Algorithm = VarsFile.ParseAlgorithm(algo, "--algo") };
        }
        if (r.GetValue(KeySize) is { } size)
        {
            s = s with { KeySize = size };
        }
        if (r.GetValue(Curve) is { } curve)
        {
            s = s with { Curve = curve };
        }
        if (r.GetValue(DnModeOption) is { } mode)
        {
            s = s with { DnMode = VarsFile.ParseDnMode(mode, "--dn-mode") };
        }
        return s;
    }

    private static string? NonEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;

    /// <summary>--batch, or easy-rsa's EASYRSA_BATCH in the environment.</summary>
    private static bool IsBatch(ParseResult r) => r.GetValue(Batch) || NonEmpty(Environment.GetEnvironmentVariable("EASYRSA_BATCH")) is not null;

    private static CertificateAuthority Open(ParseResult r)
    {
        CertificateAuthority ca = CertificateAuthority.Open(PkiDirectory(r), Settings(r));
        if ((r.GetValue(PassIn) ?? NonEmpty(Environment.GetEnvironmentVariable("EASYRSA_PASSIN"))) is { } passIn)
        {
            ca.CaPassphrase = PassphraseSpec.Resolve(passIn, "--passin");
        }
        bool batch = IsBatch(r);
        if (PassphrasePrompt.CanPrompt(batch))
        {
            ca.PassphrasePrompt = path => PassphrasePrompt.Read($"Enter passphrase for {path}: ");
        }
        return ca;
    }

    private static CertificateAuthority OpenCa(ParseResult r) => Open(r);

    private static string NewPassphrase(ParseResult r, string what)
    {
        if ((r.GetValue(PassOut) ?? NonEmpty(Environment.GetEnvironmentVariable("EASYRSA_PASSOUT"))) is { } spec)
        {
            return PassphraseSpec.Resolve(spec, "--passout");
        }
        if (PassphrasePrompt.CanPrompt(IsBatch(r)))
        {
            return PassphrasePrompt.ReadNew(what);
        }
        throw new UsageException($"A passphrase is needed for {what}: give --passout pass:|file:|env:, or add 'nopass' to leave it unencrypted.");
    }

    private static IReadOnlyList<string>? Sans(ParseResult r) => r.GetValue(San) is { Length: > 0 } s ? s : null;

    private static CertType ParseType(string text) => text switch
    {
        "client" => CertType.Client,
        "server" => CertType.Server,
        "serverClient" => CertType.ServerClient,
        _ => throw new UsageException($"Unknown certificate type '{text}': use client, server or serverClient."),
    };

    private static RevocationReason ParseReason(string text) => text switch
    {
        "unspecified" => RevocationReason.Unspecified,
        "keyCompromise" => RevocationReason.KeyCompromise,
        "CACompromise" => RevocationReason.CACompromise,
        "affiliationChanged" => RevocationReason.AffiliationChanged,
        "superseded" => RevocationReason.Superseded,
        "cessationOfOperation" => RevocationReason.CessationOfOperation,
        "certificateHold" => RevocationReason.CertificateHold,
        _ => throw new UsageException($"Unknown revocation reason '{text}': use unspecified, keyCompromise, CACompromise, affiliationChanged, superseded, cessationOfOperation or certificateHold."),
    };

    private static void Report(IssuedCertificate c)
    {
        Console.WriteLine($"Certificate: {c.CertificatePath} ({c.Type.ToString().ToLowerInvariant()}, serial {c.Serial}, expires {c.NotAfter:yyyy-MM-dd})");
        if (c.KeyPath is not null)
        {
            Console.WriteLine($"Key:         {c.KeyPath}");
        }
    }
}

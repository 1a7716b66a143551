namespace SharpVpn.Config;

/// <summary>Certificates, control-channel protection, data-channel ciphers and key renegotiation.</summary>
internal static class CryptoOptions
{
    /// <summary>Data ciphers SharpVPN implements (issue 4), canonical names.</summary>
    internal static readonly IReadOnlySet<string> DataCipherNames = new HashSet<string>(StringComparer.Ordinal)
    {
        "AES-128-GCM", "AES-192-GCM", "AES-256-GCM", "CHACHA20-POLY1305", "AES-128-CBC", "AES-192-CBC", "AES-256-CBC",
    };

    /// <summary>HMAC digests usable for auth (tls-auth and CBC data channel).</summary>
    internal static readonly IReadOnlySet<string> DigestNames = new HashSet<string>(StringComparer.Ordinal)
    {
        "SHA1", "SHA256", "SHA384", "SHA512", "MD5",
    };

    private static readonly Dictionary<string, CertificateRole> Roles = new(StringComparer.Ordinal)
    {
        ["server"] = CertificateRole.Server,
        ["client"] = CertificateRole.Client,
    };

    private static readonly Dictionary<string, X509NameType> NameTypes = new(StringComparer.Ordinal)
    {
        ["subject"] = X509NameType.Subject,
        ["name"] = X509NameType.Name,
        ["name-prefix"] = X509NameType.NamePrefix,
    };

    private static readonly Dictionary<string, VerifyClientCert> ClientCertModes = new(StringComparer.Ordinal)
    {
        ["none"] = VerifyClientCert.None,
        ["optional"] = VerifyClientCert.Optional,
        ["require"] = VerifyClientCert.Require,
    };

    private static readonly Dictionary<string, string> TlsVersions = new(StringComparer.Ordinal)
    {
        ["1.0"] = "1.0",
        ["1.1"] = "1.1",
        ["1.2"] = "1.2",
        ["1.3"] = "1.3",
    };

    private static readonly Dictionary<string, AuthRetry> AuthRetries = new(StringComparer.Ordinal)
    {
        ["none"] = AuthRetry.None,
        ["nointeract"] = AuthRetry.NoInteract,
        ["interact"] = AuthRetry.Interact,
    };

    private static readonly Dictionary<string, CompressionMode> CompLzoModes = new(StringComparer.Ordinal)
    {
        ["yes"] = CompressionMode.Lzo,
        ["no"] = CompressionMode.LzoNo,
        ["adaptive"] = CompressionMode.Lzo,
    };

    private static readonly Dictionary<string, CompressionMode> CompressAlgorithms = new(StringComparer.Ordinal)
    {
        ["stub"] = CompressionMode.Stub,
        ["stub-v2"] = CompressionMode.StubV2,
        ["lzo"] = CompressionMode.Lzo,
        ["lz4"] = CompressionMode.Lz4,
        ["lz4-v2"] = CompressionMode.Lz4V2,
        ["migrate"] = CompressionMode.Migrate,
    };

    public static readonly OptionDefinition[] Definitions =
    [
        new("ca", 1, 1, static (s, l) => s.CaPem = Pem(s, l), "ca FILE: CA certificate(s) that sign the peer", AllowsInline: true),
        PeerFingerprintOption.Definition,
        X509UsernameFieldOption.Definition,
        new("cert", 1, 1, static (s, l) => s.CertPem = Pem(s, l), "cert FILE: own certificate", AllowsInline: true),
        new("key", 1, 1, static (s, l) => s.KeyPem = Pem(s, l), "key FILE: own private key", AllowsInline: true),
        new("extra-certs", 1, 1, static (s, l) => s.ExtraCertsPem = Pem(s, l), "extra-certs FILE: chain certificates sent with cert", AllowsInline: true),
        new("dh", 1, 1, static (s, l) =>
            {
                if (!l.IsInline && l.Arg(0) == "none")
                {
                    s.DhNone = true;
                    s.DhPem = null;
                    return;
                }

                s.DhPem = Pem(s, l);
            }, "dh FILE|none: Diffie-Hellman parameters (server)", OptionScope.Server, AllowsInline: true),
        new("crl-verify", 1, 2, static (s, l) =>
            {
                if (l.ArgCount == 2)
                {
                    throw l.Error(l.Arg(1) == "dir"
                        ? "the 'dir' form (a directory of revoked serial numbers) is not supported by SharpVPN; use a CRL file"
                        : $"'{l.Arg(1)}' is not 'dir'");
                }

                s.CrlPem = Pem(s, l, "X509 CRL");
                s.CrlPath = l.IsInline ? null : s.ResolvePath(l.Arg(0));
            }, "crl-verify FILE: reject peers whose certificate is revoked", AllowsInline: true),
        new("tls-auth", 1, 2, static (s, l) =>
            {
                string text = StaticKey(s, l, "OpenVPN Static key V1");
                int? direction = l.ArgCount > 1 && !l.IsInline ? Direction(l, 1) : null;
                s.TlsAuth = (text, s.SourceOf(l), direction);
            }, "tls-auth FILE [0|1]: HMAC firewall on control packets", AllowsInline: true),
        new("tls-crypt", 1, 1, static (s, l) => s.TlsCrypt = new StaticKeyText(StaticKey(s, l, "OpenVPN Static key V1"), s.SourceOf(l)),
            "tls-crypt FILE: encrypt and authenticate control packets with a shared key", AllowsInline: true),
        new("tls-crypt-v2", 1, 2, static (s, l) =>
            {
                if (l.ArgCount > 1 && !l.IsInline && l.Arg(1) != "force-cookie" && l.Arg(1) != "allow-noncookie")
                {
                    throw l.Error($"'{l.Arg(1)}' is not force-cookie|allow-noncookie");
                }

                string kind = s.IsServerConfig ? "OpenVPN tls-crypt-v2 server key" : "OpenVPN tls-crypt-v2 client key";
                s.TlsCryptV2 = new StaticKeyText(StaticKey(s, l, kind), s.SourceOf(l));
            }, "tls-crypt-v2 FILE: per-client tls-crypt keys (server key on the server, client key on clients)", AllowsInline: true),
        new("key-direction", 1, 1, static (s, l) =>
            {
                s.KeyDirection = Direction(l, 0);
                s.KeyDirectionBidirectional = s.KeyDirection is null;
            }, "key-direction 0|1: direction of an inline tls-auth key"),
        new("tls-server", 0, 0, static (s, _) => s.TlsServer = true, "act as TLS server (set by 'server')", OptionScope.Server),
        new("tls-client", 0, 0, static (s, _) => s.TlsClient = true, "act as TLS client (set by 'client')", OptionScope.Client),
        new("cipher", 1, 1, static (s, l) =>
            {
                s.Cipher = CanonicalCipher(l, l.Arg(0), allowBlowfish: true);
                s.CipherLine = l;
            }, "cipher NAME: fallback / OCC cipher (negotiation uses data-ciphers)"),
        new("data-ciphers", 1, 1, static (s, l) => s.DataCiphers = CipherList(s, l), "data-ciphers A:B:C: ciphers to negotiate, in order of preference"),
        new("ncp-ciphers", 1, 1, static (s, l) => s.DataCiphers = CipherList(s, l), "ncp-ciphers A:B: old name of data-ciphers"),
        new("data-ciphers-fallback", 1, 1, static (s, l) => s.DataCiphersFallback = CanonicalCipher(l, l.Arg(0), allowBlowfish: false),
            "data-ciphers-fallback NAME: cipher for peers that cannot negotiate"),
        new("ncp-disable", 0, 0, static (s, l) => s.Warn(l, "is deprecated and ignored (removed in OpenVPN 2.6); cipher negotiation stays on"),
            "ncp-disable (ignored)"),
        new("auth", 1, 1, static (s, l) =>
            {
                string name = l.Arg(0).ToUpperInvariant();
                if (name == "NONE")
                {
                    s.Auth = "none";
                    return;
                }

                name = name.Replace("SHA-", "SHA", StringComparison.Ordinal);
                if (!DigestNames.Contains(name))
                {
                    throw l.Error($"'{l.Arg(0)}' is not a supported digest ({string.Join(", ", DigestNames)}, none)");
                }

                s.Auth = name;
            }, "auth DIGEST: HMAC digest for tls-auth and CBC ciphers (default SHA1)"),
        new("tls-version-min", 1, 2, static (s, l) =>
            {
                s.TlsVersionMin = ParseState.Keyword(l, 0, TlsVersions);
                if (l.ArgCount > 1)
                {
                    if (l.Arg(1) != "or-highest")
                    {
                        throw l.Error($"'{l.Arg(1)}' is not 'or-highest'");
                    }

                    s.TlsVersionMinOrHighest = true;
                }
            }, "tls-version-min 1.2|1.3 [or-highest]"),
        new("tls-version-max", 1, 1, static (s, l) => s.TlsVersionMax = ParseState.Keyword(l, 0, TlsVersions), "tls-version-max 1.2|1.3"),
        new("tls-cipher", 1, 1, static (s, l) => s.TlsCipher = l.Arg(0), "tls-cipher LIST: TLS 1.2 cipher suites (OpenSSL names)"),
        new("tls-ciphersuites", 1, 1, static (s, l) => s.TlsCipherSuites = l.Arg(0), "tls-ciphersuites LIST: TLS 1.3 cipher suites"),
        new("ecdh-curve", 1, 1, static (s, l) => s.EcdhCurve = l.Arg(0), "ecdh-curve NAME"),
        new("remote-cert-tls", 1, 1, static (s, l) => s.RemoteCertTls = ParseState.Keyword(l, 0, Roles),
            "remote-cert-tls server|client: require the peer certificate's extended key usage"),
        new("remote-cert-ku", 0, 16, static (s, l) =>
            {
                foreach (string ku in l.Args)
                {
                    if (ku.Length is 0 or > 4 || !ku.All(char.IsAsciiHexDigit))
                    {
                        throw l.Error($"'{ku}' is not a hex key usage value");
                    }
                }

                s.RemoteCertKu = [.. l.Args];
            }, "remote-cert-ku [HEX...]: required key usage of the peer certificate"),
        new("remote-cert-eku", 1, 1, static (s, l) => s.RemoteCertEku = l.Arg(0), "remote-cert-eku OID|NAME: required extended key usage"),
        new("ns-cert-type", 1, 1, static (s, l) =>
            {
                s.NsCertType = ParseState.Keyword(l, 0, Roles);
                s.Warn(l, "is deprecated (removed in OpenVPN 2.5+); SharpVPN checks the certificate's extended key usage instead, like remote-cert-tls");
            }, "ns-cert-type server|client: old form of remote-cert-tls"),
        new("tls-verify", 1, 1, static (s, l) => s.TlsVerify = (l.Arg(0), l),
            "tls-verify CMD: a program that accepts (exit 0) or refuses each certificate of the peer's chain (args: depth subject)"),
        new("tls-export-cert", 1, 1, static (s, l) =>
            {
                string dir = s.ResolvePath(l.Arg(0));
                if (!Directory.Exists(dir))
                {
                    throw l.Error($"directory '{l.Arg(0)}' does not exist ({dir})");
                }

                s.TlsExportCert = (dir, l);
            }, "tls-export-cert DIR: tls-verify finds the certificate it checks as a PEM file in DIR, named by $peer_cert"),
        new("verify-x509-name", 1, 2, static (s, l) =>
            {
                X509NameType type = l.ArgCount > 1 ? ParseState.Keyword(l, 1, NameTypes) : X509NameType.Subject;
                s.VerifyX509Name = new X509NameCheck(l.Arg(0), type);
            }, "verify-x509-name NAME [subject|name|name-prefix]"),
        new("verify-client-cert", 1, 1, static (s, l) =>
            {
                s.VerifyClientCert = ParseState.Keyword(l, 0, ClientCertModes);
                s.VerifyClientCertLine = s.VerifyClientCert == VerifyClientCert.Require ? null : l;
            }, "verify-client-cert none|optional|require: whether clients must present a certificate (none/optional need auth-user-pass-verify)",
            OptionScope.Server),
        new("askpass", 0, 1, static (s, l) =>
            {
                if (l.ArgCount == 0 || l.Arg(0) == "stdin")
                {
                    s.PromptForPrivateKeyPassword = true;
                    return;
                }

                s.PrivateKeyPassword = FirstLine(s.ReadFileArg(l));
            }, "askpass [FILE]: private key passphrase (first line of FILE, else prompt)"),
        new("auth-user-pass", 0, 1, static (s, l) =>
            {
                // No file, or OpenVPN's special name "stdin": ask on the terminal at start.
                if (l.ArgCount == 0 || (!l.IsInline && l.Arg(0) == "stdin"))
                {
                    s.AuthUserPass = new AuthUserPassSettings(null, null, null);
                    return;
                }

                s.AuthUserPass = AuthUserPassSettings.FromText(s.ReadFileArg(l), l.IsInline ? null : s.ResolvePath(l.Arg(0)))
                    ?? throw l.Error($"{(l.IsInline ? "inline block" : $"file '{l.Arg(0)}'")} has no user name on its first line");
            }, "auth-user-pass [FILE]: send a user name and password (FILE: two lines)", OptionScope.Client, AllowsInline: true),
        new("static-challenge", 2, 2, static (s, l) => s.StaticChallenge = new StaticChallenge(l.Arg(0),
                int.TryParse(l.Arg(1), System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out int echo) && echo != 0),
            "static-challenge TEXT 0|1: ask for a one-time code with the password (1 = show it as typed)", OptionScope.Client),
        new("auth-nocache", 0, 0, static (s, _) => s.AuthNoCache = true,
            "read the auth-user-pass file again (or ask again) for each login instead of keeping the password", OptionScope.Client),
        new("auth-retry", 1, 1, static (s, l) => s.AuthRetry = ParseState.Keyword(l, 0, AuthRetries),
            "auth-retry none|nointeract|interact: what to do after AUTH_FAILED", OptionScope.Client),
        new("reneg-sec", 1, 2, static (s, l) =>
            {
                s.RenegSeconds = ParseState.Int(l, 0, 0, int.MaxValue);
                s.RenegSecondsMax = l.ArgCount > 1 ? ParseState.Int(l, 1, 0, int.MaxValue) : null;
            }, "reneg-sec N [MAX]: renegotiate data keys every N seconds (0 = off, default 3600)"),
        new("reneg-bytes", 1, 1, static (s, l) => s.RenegBytes = ParseState.Long(l, 0, 0, long.MaxValue), "reneg-bytes N: renegotiate after N bytes"),
        new("reneg-pkts", 1, 1, static (s, l) => s.RenegPackets = ParseState.Long(l, 0, 0, long.MaxValue), "reneg-pkts N: renegotiate after N packets"),
        new("hand-window", 1, 1, static (s, l) => s.HandWindowSeconds = ParseState.Int(l, 0, 1, 86400), "hand-window N: seconds a TLS handshake may take (default 60)"),
        new("tls-timeout", 1, 1, static (s, l) => s.TlsTimeoutSeconds = ParseState.Int(l, 0, 1, 3600), "tls-timeout N: control packet retransmit timeout (default 2)"),
        new("tran-window", 1, 1, static (s, l) => s.TranWindowSeconds = ParseState.Int(l, 0, 1, int.MaxValue), "tran-window N: lifetime of the old key after a renegotiation"),
        new("replay-window", 1, 2, static (s, l) =>
            {
                s.ReplayWindow = ParseState.Int(l, 0, 1, 65536);
                if (l.ArgCount > 1)
                {
                    s.ReplayWindowSeconds = ParseState.Int(l, 1, 1, 86400);
                }
            }, "replay-window N [SECONDS]: data-channel replay window (default 64 15)"),
        new("mute-replay-warnings", 0, 0, static (s, _) => s.MuteReplayWarnings = true, "do not log replayed packets"),
        new("comp-lzo", 0, 1, static (s, l) =>
            {
                string mode = l.OptionalArg(0) ?? "adaptive";
                s.Compression = ParseState.Keyword(l, 0 < l.ArgCount ? 0 : -1, mode, CompLzoModes);
            }, "comp-lzo [yes|no|adaptive]: LZO framing (SharpVPN never compresses, it decompresses)"),
        new("compress", 0, 1, static (s, l) =>
            {
                string alg = l.OptionalArg(0) ?? "stub";
                s.Compression = ParseState.Keyword(l, 0 < l.ArgCount ? 0 : -1, alg, CompressAlgorithms);
                if (s.Compression == CompressionMode.Migrate && !s.IsServerConfig)
                {
                    throw l.Error("'migrate' is only valid in a server config");
                }
            }, "compress [stub|stub-v2|lzo|lz4|lz4-v2|migrate]: compression framing"),
        new("allow-compression", 1, 1, static (s, l) =>
            {
                s.AllowCompression = ParseState.Keyword(l, 0, new Dictionary<string, AllowCompression>
                {
                    ["no"] = AllowCompression.No,
                    ["asym"] = AllowCompression.Asym,
                    ["yes"] = AllowCompression.Yes,
                });
                if (s.AllowCompression == AllowCompression.Yes)
                {
                    s.Warn(l, "'yes' is treated as 'asym': SharpVPN never compresses what it sends (VORACLE), it only decompresses");
                }
            }, "allow-compression no|asym|yes"),
    ];

    internal static int? Direction(ConfigLine line, int index) => line.Arg(index) switch
    {
        "0" => 0,
        "1" => 1,
        "bidirectional" or "bi" => null,
        _ => throw line.Error($"'{line.Arg(index)}' is not a key direction (0 or 1)"),
    };

    /// <summary>Canonical cipher name or an error; BF-CBC is allowed only as the OCC/fallback 'cipher' value.</summary>
    internal static string CanonicalCipher(ConfigLine line, string name, bool allowBlowfish)
    {
        string upper = name.ToUpperInvariant();
        if (DataCipherNames.Contains(upper))
        {
            return upper;
        }

        if (upper == "BF-CBC" && allowBlowfish)
        {
            return upper;
        }

        if (upper == "NONE")
        {
            throw line.Error("cipher 'none' (no encryption) is not supported by SharpVPN");
        }

        throw line.Error($"'{name}' is not a supported data cipher ({string.Join(", ", DataCipherNames)})");
    }

    private static List<string> CipherList(ParseState s, ConfigLine line)
    {
        var list = new List<string>();
        foreach (string raw in line.Arg(0).Split(':'))
        {
            if (raw.Length == 0)
            {
                continue;
            }

            if (raw.Equals("DEFAULT", StringComparison.OrdinalIgnoreCase))
            {
                list.AddRange(DataChannelSettings.DefaultDataCiphers);
                continue;
            }

            bool optional = raw[0] == '?';
            string name = optional ? raw[1..] : raw;
            if (optional && !DataCipherNames.Contains(name.ToUpperInvariant()))
            {
                s.Warn(line, $"optional cipher '{name}' is not supported by SharpVPN and is left out");
                continue;
            }

            string canonical = CanonicalCipher(line, name, allowBlowfish: false);
            if (!list.Contains(canonical))
            {
                list.Add(canonical);
            }
        }

        if (list.Count == 0)
        {
            throw line.Error("the cipher list is empty");
        }

        return list;
    }

    /// <summary>PEM text of a file option, checked to contain a PEM block so a wrong file fails here, not in TLS.</summary>
    private static string Pem(ParseState s, ConfigLine line, string? label = null)
    {
        string text = s.ReadFileArg(line);
        string marker = label is null ? "-----BEGIN " : $"-----BEGIN {label}-----";
        if (!text.Contains(marker, StringComparison.Ordinal))
        {
            string what = line.IsInline ? "the inline block" : $"file '{line.Arg(0)}'";
            throw line.Error($"{what} is not in PEM format (no '{marker.TrimEnd()}' line)");
        }

        return text;
    }

    private static string StaticKey(ParseState s, ConfigLine line, string kind)
    {
        string text = s.ReadFileArg(line);
        if (!text.Contains($"-----BEGIN {kind}-----", StringComparison.Ordinal))
        {
            string what = line.IsInline ? "the inline block" : $"file '{line.Arg(0)}'";
            throw line.Error($"{what} is not an {kind} (no '-----BEGIN {kind}-----' line)");
        }

        return text;
    }

    private static string FirstLine(string text)
    {
        int end = text.IndexOfAny(['\r', '\n']);
        return end < 0 ? text : text[..end];
    }
}

namespace SharpVpn.Protocol.Control;

/// <summary>
/// Data-cipher negotiation (NCP) as OpenVPN 2.6 does it (openvpn-protocol.md §11; src/openvpn/ssl_ncp.c
/// <c>ncp_get_best_cipher</c>, <c>tls_peer_ncp_list</c>, <c>check_pull_client_ncp</c>; multi.c
/// <c>multi_client_set_protocol_options</c>).
/// </summary>
public static class CipherNegotiation
{
    /// <summary>2.6's default <c>data-ciphers</c>.</summary>
    public static IReadOnlyList<string> DefaultDataCiphers { get; } = ["AES-256-GCM", "AES-128-GCM", "CHACHA20-POLY1305"];

    /// <summary>Case-insensitive list membership, as OpenSSL treats cipher names.</summary>
    public static bool Contains(IReadOnlyList<string> list, string? cipher)
    {
        if (string.IsNullOrEmpty(cipher))
        {
            return false;
        }
        foreach (string item in list)
        {
            if (string.Equals(item.TrimStart('?'), cipher, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>The ciphers the client accepts: IV_CIPHERS, else AES-256-GCM:AES-128-GCM for IV_NCP≥2, else none.</summary>
    public static IReadOnlyList<string> PeerCipherList(PeerInfo peerInfo) =>
        peerInfo.Ciphers ?? (peerInfo.NcpVersion >= 2 ? ["AES-256-GCM", "AES-128-GCM"] : []);

    /// <summary>True if the client accepts a pushed <c>cipher</c> (IV_NCP≥2 or IV_CIPHERS present).</summary>
    public static bool PeerSupportsNcp(PeerInfo peerInfo) => peerInfo.NcpVersion >= 2 || peerInfo.Ciphers is not null;

    /// <summary>
    /// Server side: the first of our <paramref name="dataCiphers"/> the client lists, or equal to its OCC cipher
    /// (ignored when it sent IV_CIPHERS); else <paramref name="fallback"/> only when the client told us nothing.
    /// Returns null with <paramref name="error"/> set when there is no shared cipher (→ AUTH_FAILED).
    /// </summary>
    public static string? SelectServerCipher(IReadOnlyList<string> dataCiphers, string? fallback, PeerInfo peerInfo,
        string? occCipher, out string? error)
    {
        IReadOnlyList<string> peerList = PeerCipherList(peerInfo);
        string remote = peerInfo.Ciphers is not null || occCipher is null ? string.Empty : occCipher;
        foreach (string raw in dataCiphers)
        {
            string cipher = raw.TrimStart('?');
            if (Contains(peerList, cipher) || string.Equals(cipher, remote, StringComparison.OrdinalIgnoreCase))
            {
                error = null;
                return cipher.ToUpperInvariant();
            }
        }
        if (peerList.Count == 0 && occCipher is null && fallback is not null)
        {
            error = null;
            return fallback.ToUpperInvariant();
        }
        error = peerList.Count > 0
            ? $"No common cipher between server and client. Server data-ciphers: '{string.Join(':', dataCiphers)}', client supported ciphers '{string.Join(':', peerList)}'."
            : occCipher is not null
                ? $"No common cipher between server and client. Server data-ciphers: '{string.Join(':', dataCiphers)}', client supports cipher '{occCipher}'."
                : "No NCP or OCC cipher data received from peer, and no data-ciphers-fallback is set.";
        return null;
    }

    /// <summary>
    /// Client side after PUSH_REPLY: a pushed cipher must be in our data-ciphers (or be our fallback); without one,
    /// the server's OCC cipher if we list it ("poor man's NCP"), else our fallback. Null + error on failure.
    /// </summary>
    public static string? SelectClientCipher(IReadOnlyList<string> dataCiphers, string? fallback, string? pushedCipher,
        string? serverOccCipher, out string? error)
    {
        error = null;
        if (pushedCipher is not null)
        {
            if (Contains(dataCiphers, pushedCipher) || string.Equals(pushedCipher, fallback, StringComparison.OrdinalIgnoreCase))
            {
                return pushedCipher.ToUpperInvariant();
            }
            error = $"Negotiated cipher not allowed: the server pushed '{pushedCipher}', which is not in data-ciphers '{string.Join(':', dataCiphers)}'.";
            return null;
        }
        if (Contains(dataCiphers, serverOccCipher))
        {
            return serverOccCipher!.ToUpperInvariant();
        }
        if (serverOccCipher is null && fallback is not null)
        {
            return fallback.ToUpperInvariant();
        }
        error = serverOccCipher is not null
            ? $"Failed to negotiate cipher with server. Add the server's cipher ('{serverOccCipher}') to data-ciphers (currently '{string.Join(':', dataCiphers)}') if you want to connect to this server."
            : "Failed to negotiate cipher with server. Configure data-ciphers-fallback if you want to connect to this server.";
        return null;
    }
}

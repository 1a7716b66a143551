using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using SharpVpn.DataChannel;
using SharpVpn.Protocol.Control;
using SharpVpn.Protocol.Reliability;
using SharpVpn.Protocol.TlsWrap;
using SharpVpn.Protocol.Wire;

namespace SharpVpn.Protocol.Session;

public sealed partial class TunnelSession
{
    private const int MaxRetiredKeys = 4;

    /// <summary>
    /// Moves one key state forward: delivers in-order reliable payloads (resets, TLS ciphertext), starts TLS once
    /// the peer's reset arrived, reads the peer's key-method-2 record, then control messages.
    /// </summary>
    private void Advance(KeyState ks, long nowMs)
    {
        while (ks.Receive.TryDequeue(out ReliableMessage message))
        {
            switch (message.Opcode)
            {
                case Opcode.ControlHardResetClientV2 or Opcode.ControlHardResetClientV3 or Opcode.ControlHardResetServerV2
                    or Opcode.ControlSoftResetV1:
                    ks.PeerResetReceived = true;
                    if (message.Opcode == Opcode.ControlHardResetServerV2 && !message.Payload.IsEmpty)
                    {
                        if (!ReadEarlyNegotiation(message.Payload.Span, out bool resendWkc))
                        {
                            Close(OpenVpnError.ProtocolViolation, "Early negotiation malformed packet in the server's reset.");
                            return;
                        }
                        ks.WkcPending = resendWkc && _wrap is TlsCryptV2ClientWrap;
                    }
                    if (ks.Tls is null)
                    {
                        StartTls(ks);
                    }
                    break;
                case Opcode.ControlV1 or Opcode.ControlWkcV1:
                    if (ks.Tls is null || !ks.PeerResetReceived)
                    {
                        // Only possible if the peer skipped its reset; OpenVPN would not get here either.
                        Close(OpenVpnError.ProtocolViolation, "Peer sent TLS data before its reset.");
                        return;
                    }
                    ks.Tls.FeedCiphertext(message.Payload.Span);
                    break;
            }
        }
        if (ks.Tls is null)
        {
            return;
        }
        if (ks.Tls.Failure is { } failure)
        {
            Close(OpenVpnError.TlsFailed, $"TLS handshake failed: {failure.Message}");
            return;
        }
        if (ks.Tls.IsHandshakeComplete && ks.KeyId == 0 && PeerCertificate is null && ks.Tls.PeerCertificate is { } peer)
        {
            // A copy of our own (a second reference to the same OpenSSL certificate, no parsing): the TLS engine's goes
            // with it when key 0 is retired after the first renegotiation, and the certificate is read for the whole
            // session (CRL reloads, scripts).
            PeerCertificate = new X509Certificate2(peer);
        }
        else if (IsServer && ks.KeyId != 0 && !ks.PeerCertificateChecked && ks.Tls.IsHandshakeComplete && PeerCertificate is { } locked
            && ks.Tls.PeerCertificate is { } renegotiated)
        {
            // The certificate is locked for the session (ssl_verify.c verify_final_auth_checks, locked_cn and
            // locked_cert_hash_set): a renegotiation with another valid certificate, e.g. after the first was revoked,
            // must not carry the session on.
            ks.PeerCertificateChecked = true;
            if (!renegotiated.RawDataMemory.Span.SequenceEqual(locked.RawDataMemory.Span))
            {
                string before = PeerCertificateName(locked) ?? string.Empty;
                string after = PeerCertificateName(renegotiated) ?? string.Empty;
                Close(OpenVpnError.AuthenticationFailed, before != after
                    ? $"TLS Auth Error: TLS object CN attempted to change from '{before}' to '{after}' -- tunnel disabled"
                    : $"TLS Auth Error: TLS object CN={before} client-provided SSL certs unexpectedly changed during mid-session reauth");
                return;
            }
        }
        ReadPlaintext(ks, nowMs);
    }

    /// <summary>
    /// Client, first key: starts TLS now instead of when the server's reset arrives, so building the ClientHello
    /// (and the engine's one-time set-up) overlaps the reset's round trip. The hello stays in the engine until the
    /// server's reset arrived (<see cref="FlushKeyState"/>), so the packets on the wire do not change. Call after
    /// sending the reset; throws what <see cref="TunnelSessionOptions.TlsEngineFactory"/> throws.
    /// </summary>
    public void PrestartTls()
    {
        if (!IsServer && !_closed && _primary.KeyId == 0 && _primary.Tls is null)
        {
            StartTls(_primary);
        }
    }

    private void StartTls(KeyState ks)
    {
        ks.Tls = _options.TlsEngineFactory();
        ks.Tls.Start();
        if (!IsServer)
        {
            // The client writes its key-method-2 record first (queued by the engine until the handshake is done).
            // With a pushed auth-token, the token replaces the password (and auth-token-user the username), as OpenVPN's
            // client sends it at renegotiations and reconnects; only when the config has credentials at all.
            bool token = AuthToken is not null && _options.Password is not null;
            (string? username, string? password) = (_options.Username, _options.Password);
            if (!token && _credentialsSent && _options.ReadCredentialsAgain is { } readAgain)
            {
                (username, password) = readAgain(); // auth-nocache: nothing was kept from the last key
            }

            _credentialsSent = true;
            ks.Local = KeyMethod2Record.CreateClient(_options.OptionsString, token ? AuthTokenUser ?? username : username,
                token ? AuthToken : password, _options.PeerInfo);
            ks.Tls.WritePlaintext(ks.Local.ToBytes());
        }
    }

    private void ReadPlaintext(KeyState ks, long nowMs)
    {
        Span<byte> chunk = stackalloc byte[2048];
        while (!_closed && ks.Tls is { PendingPlaintextBytes: > 0 } tls)
        {
            int n = tls.ReadPlaintext(chunk);
            if (ks.Remote is null)
            {
                ks.PendingPlaintext.AddRange(chunk[..n]);
                byte[] buffered = ks.PendingPlaintext.ToArray();
                KeyMethod2ParseStatus status = KeyMethod2Record.TryParse(buffered, fromClient: IsServer,
                    out KeyMethod2Record? record, out int consumed, out string? error);
                if (status == KeyMethod2ParseStatus.Malformed)
                {
                    Close(OpenVpnError.BadKeyMethod, error ?? "Malformed key method 2 record.");
                    return;
                }
                if (status == KeyMethod2ParseStatus.NeedMoreData)
                {
                    continue;
                }
                ks.PendingPlaintext.Clear();
                ks.Remote = record;
                OnPeerKeyMethod(ks, nowMs);
                if (consumed < buffered.Length)
                {
                    HandleMessages(ks, ks.Messages.Add(buffered.AsSpan(consumed)), nowMs);
                }
            }
            else
            {
                HandleMessages(ks, ks.Messages.Add(chunk[..n]), nowMs);
            }
        }
    }

    /// <summary>The peer's key-method-2 record arrived (ssl.c key_method_2_read).</summary>
    private void OnPeerKeyMethod(KeyState ks, long nowMs)
    {
        KeyMethod2Record remote = ks.Remote!;
        if (IsServer)
        {
            if (ks.KeyId != 0 && _options.ApproveRenegotiations)
            {
                // Our record waits for the verdict (AcceptRenegotiation/RejectPeer), as OpenVPN writes it only after its
                // auth-user-pass-verify ran: the client switches to the new key when it gets our record, so until then it
                // keeps sending on the old one, which we still decrypt.
                RenegotiationUsername = remote.Username;
                RenegotiationPassword = remote.Password;
                ks.Stage = KeyStage.AwaitingApproval;
                Raise(SessionEventKind.RenegotiationApprovalRequired, PeerCommonName, keyId: ks.KeyId);
                return;
            }

            WriteServerRecord(ks);
            if (ks.KeyId != 0)
            {
                Activate(ks, nowMs);
                return;
            }
            PeerOptionsString = remote.Options;
            PeerInfo = PeerInfo.Parse(remote.PeerInfo);
            PeerUsername = remote.Username;
            PeerPassword = remote.Password;
            _dataPeerId = (PeerInfo.Proto & IvProtoFlags.DataV2) != 0 && _options.PeerId >= 0 ? _options.PeerId : -1;
            string? cipher = CipherNegotiation.SelectServerCipher(_options.DataCiphers, _options.DataCiphersFallback,
                PeerInfo, OccOptionsString.Extract(remote.Options, "cipher"), out string? error);
            if (cipher is null || !TrySetSuite(cipher, out error))
            {
                // multi.c: auth_set_client_reason(..., "Data channel cipher negotiation failed (no shared cipher)").
                _rejected = true;
                SendMessage(ks, "AUTH_FAILED,Data channel cipher negotiation failed (no shared cipher)");
                _closeAtMs = nowMs + 2000;
                _closeReason = error;
                _closeError = OpenVpnError.CipherNegotiationFailed;
                return;
            }
            ks.Stage = KeyStage.AwaitingApproval;
            Raise(SessionEventKind.PeerAuthenticationRequired, PeerCommonName);
        }
        else
        {
            if (ks.KeyId == 0)
            {
                PeerOptionsString = remote.Options;
                ks.Stage = KeyStage.AwaitingPush;
                SendPushRequest(ks, nowMs);
            }
            else
            {
                Activate(ks, nowMs);
            }
        }
    }

    /// <summary>The server always answers with its own record (ssl.c), even if it will refuse the client afterwards.</summary>
    private void WriteServerRecord(KeyState ks)
    {
        if (ks.Local is null)
        {
            ks.Local = KeyMethod2Record.CreateServer(_options.OptionsString);
            ks.Tls!.WritePlaintext(ks.Local.ToBytes());
        }
    }

    private bool TrySetSuite(string cipher, out string? error)
    {
        bool aead = cipher.EndsWith("-GCM", StringComparison.OrdinalIgnoreCase) || cipher.Equals("CHACHA20-POLY1305", StringComparison.OrdinalIgnoreCase);
        if (!DataCipherSuite.TryParse(cipher, aead ? null : _options.Auth, out DataCipherSuite? suite, out error))
        {
            return false;
        }
        _suite = suite;
        return true;
    }

    /// <summary>Derives this key state's data keys (TLS1-PRF, §8.1) and publishes them to the data path.</summary>
    private void Activate(KeyState ks, long nowMs)
    {
        KeyMethod2Record client = IsServer ? ks.Remote! : ks.Local!;
        KeyMethod2Record server = IsServer ? ks.Local! : ks.Remote!;
        Span<byte> clientSid = stackalloc byte[8];
        Span<byte> serverSid = stackalloc byte[8];
        (IsServer ? RemoteSessionId : LocalSessionId).WriteTo(clientSid);
        (IsServer ? LocalSessionId : RemoteSessionId).WriteTo(serverSid);
        byte[] material = KeyExpansion.DeriveKeyMaterial(client.PreMaster!, client.Random1, client.Random2,
            server.Random1, server.Random2, clientSid, serverSid);
        try
        {
            ks.DataKey = DataChannelKey.Create(_suite!, material, IsServer, ks.KeyId,
                _options.ReplayWindowPackets, _options.ReplayWindowSeconds);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(material);
        }
        ks.Stage = KeyStage.Active;
        ks.ActiveSinceMs = nowMs;
        PublishKeys(nowMs);
        if (!_connected)
        {
            _connected = true;
            _lastDataSentMs = nowMs;
            _lastReceivedMs = nowMs;
            Raise(SessionEventKind.Connected, TlsDescription, pushed: IsServer ? null : PushedOptions, keyId: ks.KeyId);
        }
        else
        {
            KeyChanges++;
            Raise(SessionEventKind.KeysChanged, $"key_id {ks.KeyId} active", keyId: ks.KeyId);
        }
    }

    /// <summary>
    /// Rotates key states: the current one becomes the lame duck (usable for data until tran-window ends), a new
    /// one with the next key_id starts with a fresh reliability layer and queues P_CONTROL_SOFT_RESET_V1 (§12).
    /// </summary>
    private void StartRenegotiation(long nowMs)
    {
        if (_lameDuck is { } previous)
        {
            Retire(previous);
        }
        KeyState old = _primary;
        old.ExpiresMs = nowMs + _options.TransitionWindowMs;
        _lameDuck = old;
        _primary = new KeyState(NextKeyId(old.KeyId), nowMs, _options.TlsTimeoutMs);
        _primary.Send.Enqueue(Opcode.ControlSoftResetV1, ReadOnlySpan<byte>.Empty);
    }

    private void Retire(KeyState ks)
    {
        ks.Tls?.Dispose();
        ks.Tls = null;
        if (ks.DataKey is { } key)
        {
            // Keep a few retired keys alive so a data thread still holding one never sees it disposed;
            // older ones are disposed so memory stays bounded across many renegotiations (security.md #4).
            _retiredKeys.Add(key);
            ks.DataKey = null;
            if (_retiredKeys.Count > MaxRetiredKeys)
            {
                _retiredKeys[0].Dispose();
                _retiredKeys.RemoveAt(0);
            }
        }
        if (ReferenceEquals(ks, _lameDuck))
        {
            _lameDuck = null;
        }
    }

    /// <summary>
    /// Publishes decrypt slots (current + lame duck) and picks the encryption key: the newest active key once the peer
    /// surely has it, else the previous key. The client derives its keys last (after the server's record), so it
    /// switches at once; the server switches when all its key-state messages (its key-method-2 record included) are
    /// acknowledged, or when data arrived on the new key. OpenVPN instead waits a fixed time
    /// (ssl.c tls_select_encryption_key, auth_deferred_expire); evidence is never slower to be correct.
    /// </summary>
    private void PublishKeys(long nowMs)
    {
        DataChannelKey?[] current = _decryptKeys;
        var slots = new DataChannelKey?[8];
        if (_lameDuck is { DataKey: { } oldKey } && nowMs < _lameDuck.ExpiresMs)
        {
            slots[_lameDuck.KeyId] = oldKey;
        }
        if (_primary.DataKey is { } newKey)
        {
            slots[_primary.KeyId] = newKey;
        }
        if (!current.AsSpan().SequenceEqual(slots))
        {
            _decryptKeys = slots;
        }

        DataChannelKey? encrypt = _primary.DataKey;
        if (encrypt is not null && _lameDuck is { DataKey: { } previous } && nowMs < _lameDuck.ExpiresMs && !PeerHasPrimaryKey())
        {
            encrypt = previous;
        }
        encrypt ??= _lameDuck is { } duck ? slots[duck.KeyId] : null;
        _encryptKey = encrypt;
    }

    private bool PeerHasPrimaryKey() =>
        !IsServer
        || (_primary.Send.IsEmpty && (_primary.Tls?.PendingCiphertextBytes ?? 0) == 0)
        || _primary.DataKey is { PacketsIn: > 0 };

    /// <summary>Parses the TLVs of a server reset (ssl.c parse_early_negotiation_tlvs): u16 type, u16 length, value.</summary>
    private static bool ReadEarlyNegotiation(ReadOnlySpan<byte> payload, out bool resendWkc)
    {
        resendWkc = false;
        while (payload.Length > 0)
        {
            if (payload.Length < 4)
            {
                return false;
            }
            int type = BinaryPrimitives.ReadUInt16BigEndian(payload);
            int length = BinaryPrimitives.ReadUInt16BigEndian(payload[2..]);
            if (payload.Length < 4 + length)
            {
                return false;
            }
            if (type == 0x0001 && length >= 2)
            {
                resendWkc = (BinaryPrimitives.ReadUInt16BigEndian(payload[4..]) & 0x0001) != 0;
            }
            payload = payload[(4 + length)..];
        }
        return true;
    }
}

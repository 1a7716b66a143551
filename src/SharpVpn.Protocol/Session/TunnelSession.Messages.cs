using System.Globalization;
using SharpVpn.Protocol.Control;

namespace SharpVpn.Protocol.Session;

public sealed partial class TunnelSession
{
    private const long PushReplyRepeatIgnoreMs = 30_000;

    private readonly PushReplyAssembler _pushAssembler = new();
    private long _nextPushRequestMs;
    private bool _pushRequestPending;
    private long _lastPushReplyMs = long.MinValue;
    private IReadOnlyList<string>? _serverPushOptions;
    private bool _rejected;
    private OpenVpnError _closeError = OpenVpnError.AuthenticationFailed;

    /// <summary>
    /// Server: approves the client after <see cref="SessionEventKind.PeerAuthenticationRequired"/>. Derives the first
    /// data keys (Connected event) and sends PUSH_REPLY now if the client asked (PUSH_REQUEST or IV_PROTO REQUEST_PUSH),
    /// else when it asks. <paramref name="pushOptions"/>: the global push list and per-client lines (ifconfig, route...)
    /// in OpenVPN's order; the session appends <c>peer-id</c>, <c>cipher</c> and <c>protocol-flags</c> as 2.6 does.
    /// </summary>
    public void AcceptPeer(IReadOnlyList<string> pushOptions, long nowMs)
    {
        ArgumentNullException.ThrowIfNull(pushOptions);
        if (!IsServer || _primary.Stage != KeyStage.AwaitingApproval || _closed)
        {
            throw new InvalidOperationException("AcceptPeer is valid only on a server session after PeerAuthenticationRequired.");
        }
        _serverPushOptions = pushOptions;
        Activate(_primary, nowMs);
        if (_pushRequestPending || (PeerInfo.Proto & IvProtoFlags.RequestPush) != 0)
        {
            SendPushReply(_primary, nowMs);
        }
        Flush(nowMs);
    }

    /// <summary>
    /// Server: activates the renegotiated key after <see cref="SessionEventKind.RenegotiationApprovalRequired"/> (a
    /// KeysChanged event follows). Does nothing if that key is no longer the one waiting (superseded or closed).
    /// </summary>
    public void AcceptRenegotiation(int keyId, long nowMs)
    {
        if (!IsServer || _closed || _primary.KeyId != keyId || _primary.KeyId == 0 || _primary.Stage != KeyStage.AwaitingApproval)
        {
            return;
        }
        WriteServerRecord(_primary);
        Activate(_primary, nowMs);
        Flush(nowMs);
    }

    /// <summary>
    /// Server: refuses the client: sends AUTH_FAILED (with <paramref name="clientReason"/> if given), and closes the session
    /// two seconds later (drain outgoing meanwhile). No PUSH_REPLY and no data keys (security.md #7).
    /// </summary>
    public void RejectPeer(string? clientReason, long nowMs)
    {
        if (!IsServer || _closed)
        {
            return;
        }
        _rejected = true;
        if (_primary is { KeyId: not 0, Stage: KeyStage.AwaitingApproval, Tls: not null })
        {
            WriteServerRecord(_primary); // a refused renegotiation: our record first, then AUTH_FAILED, as for key 0
        }
        SendMessage(_primary, string.IsNullOrEmpty(clientReason) ? "AUTH_FAILED" : "AUTH_FAILED," + clientReason);
        _closeAtMs = nowMs + 2000;
        _closeReason = "Client rejected" + (string.IsNullOrEmpty(clientReason) ? "." : $": {clientReason}.");
        _closeError = OpenVpnError.AuthenticationFailed;
        Flush(nowMs);
    }

    /// <summary>
    /// Sends a text message (e.g. "RESTART", "HALT,reason", "INFO,text") on the current key's TLS session,
    /// one message per TLS record as 2.4 peers need. Ignored before key method 2 finished. A renegotiated key whose
    /// key-method-2 record we have not written yet (server, awaiting approval) does not carry it: the peer reads the
    /// first plaintext on a new key as that record, so the message goes on the previous key meanwhile.
    /// </summary>
    public void SendControlMessage(string text, long nowMs)
    {
        KeyState ks = _primary is { Remote: not null, Local: not null } ? _primary
            : _lameDuck is { Remote: not null, Local: not null } duck ? duck : _primary;
        if (ks.Remote is null || ks.Local is null || _closed)
        {
            return;
        }
        SendMessage(ks, text);
        Flush(nowMs);
    }

    /// <summary>
    /// Announces our shutdown. Returns true if it went over the control channel (EXIT, when cc-exit was negotiated);
    /// false means the runtime should send OCC_EXIT data packets instead (explicit-exit-notify, UDP).
    /// </summary>
    public bool SendExitNotify(long nowMs)
    {
        if (!UsesControlChannelExit || _closed)
        {
            return false;
        }
        SendControlMessage("EXIT", nowMs);
        return true;
    }

    private void SendMessage(KeyState ks, string text) => ks.Tls?.WritePlaintext(ControlMessage.Encode(text));

    private void SendPushRequest(KeyState ks, long nowMs)
    {
        SendMessage(ks, "PUSH_REQUEST");
        _nextPushRequestMs = nowMs + _options.PushRequestIntervalMs;
    }

    private void HandleMessages(KeyState ks, IReadOnlyList<ControlMessage> messages, long nowMs)
    {
        foreach (ControlMessage message in messages)
        {
            if (_closed)
            {
                return;
            }
            if (IsServer)
            {
                HandleServerMessage(ks, message, nowMs);
            }
            else
            {
                HandleClientMessage(ks, message, nowMs);
            }
        }
    }

    private void HandleServerMessage(KeyState ks, ControlMessage message, long nowMs)
    {
        switch (message.Kind)
        {
            case ControlMessageKind.PushRequest:
                if (_rejected)
                {
                    SendMessage(ks, "AUTH_FAILED");
                }
                else if (_serverPushOptions is null)
                {
                    _pushRequestPending = true; // answered once the runtime accepts the client
                }
                else if (nowMs - _lastPushReplyMs >= PushReplyRepeatIgnoreMs)
                {
                    SendPushReply(ks, nowMs);
                }
                break;
            case ControlMessageKind.Exit:
                Close(OpenVpnError.PeerExit, "Client sent EXIT.");
                break;
            default:
                Raise(SessionEventKind.Info, message.Text);
                break;
        }
    }

    private void HandleClientMessage(KeyState ks, ControlMessage message, long nowMs)
    {
        switch (message.Kind)
        {
            case ControlMessageKind.PushReply:
                if (_connected || _primary.Stage != KeyStage.AwaitingPush || !ReferenceEquals(ks, _primary))
                {
                    // A late duplicate reply (options are applied once per connection), or the server renewing our
                    // auth-token ("PUSH_REPLY,auth-token ...", push.c send_push_reply_auth_token): only that is taken.
                    TakeAuthToken(message.Text.Split(',').Skip(1));
                    return;
                }
                if (_pushAssembler.Add(message.Text))
                {
                    ApplyPushReply(ks, nowMs);
                }
                break;
            case ControlMessageKind.AuthFailed:
                Close(OpenVpnError.AuthenticationFailed, message.Argument.Length > 0 ? $"AUTH_FAILED: {message.Argument}" : "AUTH_FAILED");
                break;
            case ControlMessageKind.Restart:
                Close(OpenVpnError.PeerRestart, message.Text);
                break;
            case ControlMessageKind.Halt:
                Close(OpenVpnError.PeerHalt, message.Text);
                break;
            case ControlMessageKind.Exit:
                Close(OpenVpnError.PeerExit, "Server sent EXIT.");
                break;
            default:
                Raise(SessionEventKind.Info, message.Text);
                break;
        }
    }

    /// <summary>
    /// Client: applies the complete PUSH_REPLY: NCP (§11.3), peer-id, protocol-flags; then keys. Pushed timers are the
    /// runtime's to read (with the client's pull-filters) and hand back through <see cref="SetKeepalive"/>.
    /// </summary>
    private void ApplyPushReply(KeyState ks, long nowMs)
    {
        IReadOnlyList<string> options = _pushAssembler.Options;
        PushedOptions = options.ToArray();
        TakeAuthToken(options);
        IvProtoFlags announced = PeerInfo.Parse(_options.PeerInfo).Proto;
        foreach (string option in options)
        {
            string[] words = option.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            switch (words[0])
            {
                case "peer-id" when words.Length == 2:
                    if (!int.TryParse(words[1], NumberStyles.None, CultureInfo.InvariantCulture, out int peerId) || peerId > 0xFFFFFE)
                    {
                        Close(OpenVpnError.BadPushedOption, $"Pushed option '{option}' is invalid.");
                        return;
                    }
                    _dataPeerId = (announced & IvProtoFlags.DataV2) != 0 ? peerId : -1;
                    break;
                case "key-derivation":
                    Close(OpenVpnError.BadPushedOption, $"Server pushed '{option}', but TLS keying-material export was not offered (SslStream has none).");
                    return;
                case "protocol-flags":
                    foreach (string flag in words.AsSpan(1))
                    {
                        if (flag == "cc-exit")
                        {
                            UsesControlChannelExit = (announced & IvProtoFlags.CcExitNotify) != 0;
                        }
                        else if (flag is "tls-ekm" or "dyn-tls-crypt")
                        {
                            Close(OpenVpnError.BadPushedOption, $"Server pushed protocol-flags '{flag}', which this client did not offer.");
                            return;
                        }
                    }
                    break;
            }
        }
        string? cipher = CipherNegotiation.SelectClientCipher(_options.DataCiphers, _options.DataCiphersFallback,
            PushReplyAssembler.Find(options, "cipher"), OccOptionsString.Extract(PeerOptionsString ?? string.Empty, "cipher"), out string? error);
        if (cipher is null || !TrySetSuite(cipher, out error))
        {
            Close(OpenVpnError.CipherNegotiationFailed, error ?? "Cipher negotiation failed.");
            return;
        }
        _nextPushRequestMs = long.MaxValue;
        Activate(ks, nowMs);
    }

    /// <summary>
    /// Client: <c>auth-token TOKEN</c> and <c>auth-token-user BASE64</c> among pushed options (the token is opaque to
    /// the client; a malformed user name is ignored, keeping ours).
    /// </summary>
    private void TakeAuthToken(IEnumerable<string> options)
    {
        foreach (string option in options)
        {
            string[] words = option.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (words is ["auth-token", { Length: > 0 and <= 1024 } token] && token.All(c => c is > ' ' and < (char)127))
            {
                AuthToken = token;
            }
            else if (words is ["auth-token-user", string encoded])
            {
                try
                {
                    string user = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(encoded));
                    AuthTokenUser = user.Length is > 0 and <= 256 ? user : AuthTokenUser;
                }
                catch (FormatException)
                {
                    // ignored, as openvpn ignores an undecodable auth-token-user
                }
            }
        }
    }

    /// <summary>Server: PUSH_REPLY in 2.6's order (push.c prepare_push_reply), split with push-continuation.</summary>
    private void SendPushReply(KeyState ks, long nowMs)
    {
        var options = new List<string>(_serverPushOptions ?? []);
        if (_dataPeerId >= 0)
        {
            options.Add($"peer-id {_dataPeerId.ToString(CultureInfo.InvariantCulture)}");
        }
        if (CipherNegotiation.PeerSupportsNcp(PeerInfo) && _suite is not null)
        {
            options.Add($"cipher {_suite.CipherName}");
        }
        if ((PeerInfo.Proto & IvProtoFlags.CcExitNotify) != 0)
        {
            options.Add("protocol-flags cc-exit");
            UsesControlChannelExit = true;
        }
        foreach (string message in PushReply.Build(options))
        {
            SendMessage(ks, message);
        }
        _pushRequestPending = false;
        _lastPushReplyMs = nowMs;
    }
}

using System.Globalization;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using SharpVpn.Config;
using SharpVpn.Protocol.Auth;
using SharpVpn.Protocol.Session;
using SharpVpn.Runtime.DataPath;
using SharpVpn.Runtime.Shared;
using SharpVpn.Tls;

namespace SharpVpn.Runtime.Server;

/// <summary>
/// The server's scripts in the admission of a client: auth-user-pass-verify after the certificate checks,
/// client-connect once it has its address, client-disconnect when an admitted client goes. Each runs on the thread
/// pool (<see cref="ScriptRunner"/>); its verdict comes back to the control loop through <c>_controlActions</c>.
/// </summary>
public sealed partial class ServerEngine
{
    /// <summary>
    /// auth-user-pass-verify for this client: a client that sent no username/password is refused at once (OpenVPN:
    /// "Auth Username/Password was not provided by peer"); otherwise the script runs on the thread pool and its
    /// verdict comes back to the control loop. The session waits in its approval stage meanwhile (its handshake
    /// window still applies); a client that went away meanwhile is simply not continued.
    /// </summary>
    private void StartUserPassVerify(ServerClient client, UserPassCheck check, long now)
    {
        TunnelSession session = client.Session;
        if (session.PeerUsername is null || session.PeerPassword is null)
        {
            LogInfo($"{client.LogPrefix} TLS Error: Auth Username/Password was not provided by peer");
            Reject(client, "auth-user-pass-verify is configured and the client sent no username/password", now);
            return;
        }

        VerifyThen(client, check, session.PeerUsername, session.PeerPassword, string.Empty, later => AssignAndAccept(client, later), now);
    }

    /// <summary>
    /// A renegotiation (reneg-sec, -bytes, -pkts, either side) with auth-user-pass-verify configured: as OpenVPN, the
    /// script runs again with the credentials the client sent now (a disabled account or a changed password ends the
    /// session within one renegotiation period), and the username must not change (ssl_verify.c: "username attempted
    /// to change"). The old key carries the traffic meanwhile; a refusal sends AUTH_FAILED and closes the session.
    /// With auth-gen-token the client sends its session token instead, checked here without the script.
    /// </summary>
    private void ReauthorizeRenegotiation(ServerClient client, int keyId, long now)
    {
        TunnelSession session = client.Session;
        if (_userPassCheck is not { } check)
        {
            session.AcceptRenegotiation(keyId, now);
            return;
        }

        string? username = session.RenegotiationUsername;
        string? password = session.RenegotiationPassword;
        if (username is null || password is null)
        {
            LogInfo($"{client.LogPrefix} TLS Error: Auth Username/Password was not provided by peer (renegotiation)");
            Reject(client, "the client sent no username/password with its renegotiation", now);
            return;
        }

        if (!string.Equals(username, client.Username, StringComparison.Ordinal))
        {
            Reject(client, $"username attempted to change from '{OpenVpnStringMod.ReplaceControls(client.Username ?? string.Empty)}' to '{OpenVpnStringMod.ReplaceControls(username)}' -- tunnel disabled", now);
            return;
        }

        VerifyThen(client, check, username, password, $" (key_id {keyId.ToString(CultureInfo.InvariantCulture)})", later =>
        {
            session.AcceptRenegotiation(keyId, later);
            if (_authTokens is not null && client.AuthToken is { } renewed)
            {
                // The renewed token goes to the client on the new key (push.c send_push_reply_auth_token).
                session.SendControlMessage("PUSH_REPLY,auth-token " + renewed, later);
            }
        }, now);
    }

    /// <summary>
    /// Checks a client's username/password and, back on the control loop, logs the verdict as OpenVPN does and either
    /// calls <paramref name="accept"/> or refuses the client (AUTH_FAILED, with the script's reason). With
    /// auth-gen-token, a session token sent as the password is checked here (verify_auth_token): a valid one is
    /// accepted without the script (unless external-auth), an expired or foreign one refused; every accepted login
    /// renews the client's token.
    /// </summary>
    private void VerifyThen(ServerClient client, UserPassCheck userPass, string username, string password, string logSuffix, Action<long> accept, long now)
    {
        Dictionary<string, string>? session = null;
        if (_authTokens is { } tokens)
        {
            AuthTokenCheck? check = AuthToken.LooksLikeToken(password) ? tokens.Check(client, username, password) : null;
            if (!tokens.Settings.ExternalAuth && check is { } verdict)
            {
                if (verdict == AuthTokenCheck.HmacOk)
                {
                    if (!NameByUsername(client, username, now))
                    {
                        return;
                    }

                    LogInfo($"{client.LogPrefix} TLS: Username/auth-token authentication succeeded for username '{OpenVpnStringMod.ReplaceControls(username)}'{logSuffix}");
                    tokens.Issue(client, username, now);
                    accept(now);
                }
                else
                {
                    bool expired = (verdict & AuthTokenCheck.Expired) != 0;
                    AuthTokenIssuer.Wipe(client);
                    LogInfo($"{client.LogPrefix} TLS: Username/auth-token authentication failed for username '{OpenVpnStringMod.ReplaceControls(username)}'" +
                        (expired ? " (token expired)" : " (not a token of this server)"));
                    client.Session.RejectPeer(expired ? "SESSION: token expired" : null, now);
                }

                return;
            }

            session = tokens.ScriptVariables(client, username, password, check, now);
        }

        ContinueForClient(client, userPass.VerifyAsync(UserPassScriptClientOf(client), password, session),
            error => new UserPassVerdict($"auth-user-pass-verify failed: {error}"), (verdict, later) =>
            {
                if (verdict.IsAccepted)
                {
                    if (!NameByUsername(client, username, later))
                    {
                        return;
                    }

                    LogInfo($"{client.LogPrefix} TLS: Username/Password authentication succeeded for username '{OpenVpnStringMod.ReplaceControls(username)}'{CnSetSuffix}{logSuffix}");
                    _authTokens?.Issue(client, username, later);
                    accept(later);
                }
                else
                {
                    if (_authTokens is not null)
                    {
                        AuthTokenIssuer.Wipe(client);
                    }

                    LogInfo($"{client.LogPrefix} TLS Auth Error: Auth Username/Password verification failed for peer ({verdict.Problem})");
                    client.Session.RejectPeer(verdict.ClientReason, later);
                }
            });
    }

    /// <summary>
    /// When a script's task ends, runs <paramref name="then"/> on the control loop (a failed task becomes
    /// <paramref name="failed"/>'s verdict), unless the client went away meanwhile, and sends what it queued.
    /// </summary>
    private void ContinueForClient<T>(ServerClient client, Task<T> script, Func<string, T> failed, Action<T, long> then) =>
        _ = script.ContinueWith(task =>
        {
            T verdict = task.IsCompletedSuccessfully ? task.Result : failed(task.Exception?.GetBaseException().Message ?? "cancelled");
            RunOnControlLater(() =>
            {
                if (client.Closing || !_clients.Contains(client))
                {
                    return;
                }

                long now = MonotonicClock.NowMs;
                then(verdict, now);
                ServiceClient(client, now);
            });
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

    /// <summary>Queues <paramref name="action"/> for the control loop (from a script's thread) and wakes it.</summary>
    private void RunOnControlLater(Action action)
    {
        _controlActions.Enqueue(action);
        Wake();
    }

    /// <summary>What scripts are told about <paramref name="client"/> (certificate, issuer, address, peer info, username).</summary>
    private ScriptClient ScriptClientOf(ServerClient client) =>
        new(client.IsNamed ? client.CommonName! : string.Empty, client.Session.PeerUsername, client.Session.PeerCertificate, IssuerOf(client.Session.PeerCertificate),
            client.Address.Endpoint.ToIPEndPoint(), client.Session.PeerInfo);

    /// <summary>The configured CA that issued <paramref name="certificate"/> (the script's depth-1 variables), if it is one of them.</summary>
    private X509Certificate2? IssuerOf(X509Certificate2? certificate) =>
        certificate is null ? null : Tls.OpenVpnCertificateText.IssuerAmong(_factory.TlsOptions.TrustedCertificateAuthorities, certificate);

    /// <summary>
    /// client-connect, with the address the client got (multi.c multi_client_connect_setenv); its verdict and
    /// directives come back to the control loop (<see cref="OnClientConnectDone"/>). The pool entry stays reserved
    /// meanwhile; a client that goes away meanwhile releases it as usual.
    /// </summary>
    private void StartClientConnect(ServerClient client, ClientConnectScripts scripts, ClientConfigDirEntry? ccd, string ifconfigPush,
        string? ifconfigIpv6Push)
    {
        client.ScriptPoolAddress = client.VirtualAddress;
        Dictionary<string, string> addresses = AddressVariables(client);
        addresses["time_unix"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        addresses["time_ascii"] = ScriptTime(DateTimeOffset.Now);
        ContinueForClient(client, scripts.ConnectAsync(ScriptClientOf(client), addresses),
            error => new ClientConnectVerdict($"client-connect failed: {error}"),
            (verdict, now) => OnClientConnectDone(client, verdict, ccd, ifconfigPush, ifconfigIpv6Push, now));
    }

    /// <summary>The client's transport and tunnel addresses as scripts see them (trusted_ip/port, ifconfig_pool_*).</summary>
    private Dictionary<string, string> AddressVariables(ServerClient client)
    {
        var variables = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["trusted_ip"] = TrustedAddress(client),
            ["trusted_port"] = client.Address.Endpoint.Port.ToString(CultureInfo.InvariantCulture),
            ["ifconfig_pool_remote_ip"] = Ipv4.Format(client.VirtualAddress),
        };
        AddPoolVariables(variables);
        if (client.VirtualAddress6 != UInt128.Zero)
        {
            variables["ifconfig_pool_remote_ip6"] = Ipv6.ToAddress(client.VirtualAddress6).ToString();
        }

        return variables;
    }

    /// <summary>
    /// learn-address add for the client's addresses (tunnel IPv4, IPv6, then iroutes as NET/BITS, as multi.c learns
    /// them), then <paramref name="publish"/> on the control loop; a failed add refuses the client. The addresses are
    /// recorded now, so a client that goes meanwhile gets its deletes queued after the adds.
    /// </summary>
    private void LearnThen(ServerClient client, LearnAddressScript learn, Action<long> publish)
    {
        var addresses = new List<string>();
        if (client.VirtualAddress != 0)
        {
            addresses.Add(Ipv4.Format(client.VirtualAddress));
        }

        if (client.VirtualAddress6 != UInt128.Zero)
        {
            addresses.Add(Ipv6.ToAddress(client.VirtualAddress6).ToString());
        }

        addresses.AddRange(client.IRoutes.Select(r => $"{Ipv4.Format(r.Network)}/{Ipv4.PrefixLength(r.Mask).ToString(CultureInfo.InvariantCulture)}"));
        addresses.AddRange(client.IRoutes6.Select(r => $"{Ipv6.ToAddress(r.Network)}/{UInt128.PopCount(r.Mask).ToString(CultureInfo.InvariantCulture)}"));
        client.LearnedAddresses = addresses;
        Dictionary<string, string> variables = AddressVariables(client);
        variables["script_context"] = "init";
        variables["time_unix"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        variables["time_ascii"] = ScriptTime(DateTimeOffset.Now);
        ContinueForClient(client, learn.AddAsync(ScriptClientOf(client), variables, addresses),
            error => $"learn-address failed: {error}", (problem, now) =>
            {
                if (problem is not null)
                {
                    Reject(client, problem, now);
                    return;
                }

                publish(now);
            });
    }

    /// <summary>Control loop: client-connect's verdict; its directives apply after the client's ccd file (disable, ifconfig-push, ...).</summary>
    private void OnClientConnectDone(ServerClient client, ClientConnectVerdict verdict, ClientConfigDirEntry? ccd, string ifconfigPush,
        string? ifconfigIpv6Push, long now)
    {
        ClientConfigDirEntry? directives = verdict.Directives;
        if (!verdict.IsAccepted)
        {
            Reject(client, verdict.Problem, now);
        }
        else if (directives?.Disable == true)
        {
            LogInfo($"{client.LogPrefix} MULTI: client has been rejected due to 'disable' directive (client-connect)");
            Reject(client, null, now);
        }
        else if (directives?.IfconfigPush is { } fixedAddress && !TryMoveToFixedAddress(client, fixedAddress, now, out ifconfigPush))
        {
            // Refused inside (the address is another client's).
        }
        else if (directives?.IfconfigIpv6Push is not null && !TryAssignIpv6(client, directives, now, out ifconfigIpv6Push))
        {
            // Refused inside.
        }
        else
        {
            FinishAccept(client, ccd, directives, ifconfigPush, ifconfigIpv6Push, now);
        }
    }

    /// <summary>client-disconnect for a client that was admitted, with its traffic and connected time (multi.c multi_client_disconnect_setenv).</summary>
    private void RunClientDisconnect(ServerClient client, ClientConnectScripts scripts)
    {
        long duration = client.Established ? (long)(DateTimeOffset.Now - client.ConnectedSince).TotalSeconds : 0;
        var variables = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["trusted_ip"] = TrustedAddress(client),
            ["trusted_port"] = client.Address.Endpoint.Port.ToString(CultureInfo.InvariantCulture),
            ["ifconfig_pool_remote_ip"] = Ipv4.Format(client.ScriptPoolAddress != 0 ? client.ScriptPoolAddress : client.VirtualAddress),
            ["bytes_received"] = client.BytesIn.ToString(CultureInfo.InvariantCulture),
            ["bytes_sent"] = client.BytesOut.ToString(CultureInfo.InvariantCulture),
            ["time_duration"] = Math.Max(0, duration).ToString(CultureInfo.InvariantCulture),
            ["time_unix"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
            ["time_ascii"] = ScriptTime(client.Established ? client.ConnectedSince : DateTimeOffset.Now),
        };
        AddPoolVariables(variables);
        scripts.StartDisconnect(ScriptClientOf(client), variables, LogInfo);
    }

    /// <summary>ifconfig_pool_netmask (topology subnet) or ifconfig_pool_local_ip (net30/p2p), as multi.c sets them.</summary>
    private void AddPoolVariables(Dictionary<string, string> variables)
    {
        if (_config.Tun.Topology == Topology.Subnet && _config.Tun.Ifconfig is { } ifconfig)
        {
            variables["ifconfig_pool_netmask"] = ifconfig.RemoteOrNetmask.ToString();
        }
        else if (_config.Tun.Ifconfig is { } p2p)
        {
            variables["ifconfig_pool_local_ip"] = p2p.RemoteOrNetmask.ToString();
        }
    }

    /// <summary>OpenVPN 2.6's time_ascii: local time as "YYYY-MM-DD HH:MM:SS".</summary>
    private static string ScriptTime(DateTimeOffset time) => time.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    private static string TrustedAddress(ServerClient client)
    {
        IPAddress address = client.Address.Endpoint.Address;
        return (address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address).ToString();
    }
}

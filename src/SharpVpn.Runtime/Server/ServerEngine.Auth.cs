using System.Globalization;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using SharpVpn.Config;
using SharpVpn.Protocol.Session;
using SharpVpn.Runtime.DataPath;
using SharpVpn.Runtime.Logging;

namespace SharpVpn.Runtime.Server;

public sealed partial class ServerEngine
{
    /// <summary>
    /// After TLS (CA, EKU, CRL already checked by the TLS engine) and key method 2: the CN, the reloaded CRL, then
    /// auth-user-pass-verify if configured (run off this loop; <see cref="OnUserPassVerified"/> continues), then
    /// <see cref="AssignAndAccept"/>. Refusals send AUTH_FAILED (security.md #7): no push reply before all passed.
    /// </summary>
    private void Authorize(ServerClient client, long now)
    {
        TunnelSession session = client.Session;
        string? cn = session.PeerCommonName;
        if (cn is null)
        {
            Reject(client, "the client certificate has no common name", now);
            return;
        }

        // The CRL may have been reloaded while this client's TLS handshake ran against the previous one (a revoke
        // racing a reconnect): the lists loaded now decide.
        if (session.PeerCertificate is { } certificate && IsRevokedByCurrentCrl(certificate))
        {
            Reject(client, $"certificate of '{cn}' (serial {certificate.SerialNumber}) is revoked by the reloaded CRL", now);
            return;
        }

        client.CommonName = cn;
        client.Username = session.PeerUsername;
        LogWrite(LogLevel.Handshake, $"{client.Address} VERIFY OK: depth=0, CN={cn}");
        if (_userPassScript is not null)
        {
            StartUserPassVerify(client, _userPassScript, now);
            return;
        }

        AssignAndAccept(client, now);
    }

    /// <summary>
    /// auth-user-pass-verify for this client: a client that sent no username/password is refused at once (OpenVPN:
    /// "Auth Username/Password was not provided by peer"); otherwise the script runs on the thread pool and its
    /// verdict comes back to the control loop. The session waits in its approval stage meanwhile (its handshake
    /// window still applies); a client that went away meanwhile is simply not continued.
    /// </summary>
    private void StartUserPassVerify(ServerClient client, UserPassScript script, long now)
    {
        TunnelSession session = client.Session;
        if (session.PeerUsername is null || session.PeerPassword is null)
        {
            LogInfo($"{client.LogPrefix} TLS Error: Auth Username/Password was not provided by peer");
            Reject(client, "auth-user-pass-verify is configured and the client sent no username/password", now);
            return;
        }

        string username = session.PeerUsername;
        _ = script.VerifyAsync(ScriptClientOf(client), session.PeerPassword).ContinueWith(task =>
        {
            UserPassVerdict verdict = task.IsCompletedSuccessfully ? task.Result : new($"auth-user-pass-verify failed: {task.Exception?.GetBaseException().Message}");
            RunOnControlLater(() => OnUserPassVerified(client, username, verdict));
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>Queues <paramref name="action"/> for the control loop (from a script's thread) and wakes it.</summary>
    private void RunOnControlLater(Action action)
    {
        _controlActions.Enqueue(action);
        Wake();
    }

    /// <summary>What scripts are told about <paramref name="client"/> (certificate, issuer, address, peer info, username).</summary>
    private ScriptClient ScriptClientOf(ServerClient client) =>
        new(client.CommonName!, client.Session.PeerUsername, client.Session.PeerCertificate, IssuerOf(client.Session.PeerCertificate),
            client.Address.Endpoint.ToIPEndPoint(), client.Session.PeerInfo);

    /// <summary>The configured CA that issued <paramref name="certificate"/> (the script's depth-1 variables), if it is one of them.</summary>
    private X509Certificate2? IssuerOf(X509Certificate2? certificate)
    {
        if (certificate is null)
        {
            return null;
        }

        foreach (X509Certificate2 ca in _factory.TlsOptions.TrustedCertificateAuthorities)
        {
            if (ca.SubjectName.RawData.AsSpan().SequenceEqual(certificate.IssuerName.RawData))
            {
                return ca;
            }
        }

        return null;
    }

    /// <summary>Control loop: the script's verdict for <paramref name="client"/>.</summary>
    private void OnUserPassVerified(ServerClient client, string username, UserPassVerdict verdict)
    {
        if (client.Closing || !_clients.Contains(client))
        {
            return;
        }

        long now = MonotonicClock.NowMs;
        if (!verdict.IsAccepted)
        {
            LogInfo($"{client.LogPrefix} TLS Auth Error: Auth Username/Password verification failed for peer ({verdict.Problem})");
            client.Session.RejectPeer(verdict.ClientReason, now);
        }
        else
        {
            LogInfo($"{client.LogPrefix} TLS: Username/Password authentication succeeded for username '{ScriptRunner.Sanitize(username)}'");
            AssignAndAccept(client, now);
        }

        ServiceClient(client, now);
    }

    /// <summary>
    /// The client passed every check: ccd / ccd-exclusive / disable, duplicate-cn, the tunnel address (ccd
    /// ifconfig-push, else the pool with ifconfig-pool-persist), iroutes, the push list; then the session derives keys
    /// and answers PUSH_REQUEST.
    /// </summary>
    private void AssignAndAccept(ServerClient client, long now)
    {
        TunnelSession session = client.Session;
        string cn = client.CommonName!;
        ClientConfigDirEntry? ccd = null;
        if (_config.ClientConfigDir is { } dir)
        {
            if (_config.CcdExclusive && !ClientConfigDirEntry.ExistsForCommonName(dir, cn))
            {
                Reject(client, $"ccd-exclusive: no client-config-dir file for '{cn}'", now);
                return;
            }

            try
            {
                ccd = ClientConfigDirEntry.Load(dir, cn);
            }
            catch (ConfigException ex)
            {
                Reject(client, $"client-config-dir file error: {ex.Message}", now);
                return;
            }

            if (ccd?.Disable == true)
            {
                LogInfo($"{client.LogPrefix} MULTI: client has been rejected due to 'disable' directive");
                Reject(client, null, now);
                return;
            }
        }

        if (!_config.DuplicateCn)
        {
            foreach (ServerClient other in _clients.ToArray())
            {
                if (!ReferenceEquals(other, client) && !other.Closing && other.CommonName == cn)
                {
                    LogInfo($"MULTI: new connection by client '{cn}' will cause previous active sessions by this client to be dropped.  Remember to use the --duplicate-cn option if you want multiple clients using the same certificate or username to concurrently connect.");
                    Teardown(other, "duplicate common name", "SIGTERM[soft,duplicate-cn] client-instance exiting");
                }
            }
        }

        string ifconfigPush;
        if (ccd?.IfconfigPush is { } fixedAddress)
        {
            uint address = Ipv4.ToUInt32(fixedAddress.Local);
            if (Routes.FindByVirtualAddress(address) is { } holder && !ReferenceEquals(holder, client) && holder.VirtualAddress == address)
            {
                Reject(client, $"ifconfig-push address {fixedAddress.Local} is in use by '{holder.CommonName}'", now);
                return;
            }

            client.VirtualAddress = address;
            client.PoolIndex = _allocator?.Reserve(fixedAddress.Local) ?? -1;
            ifconfigPush = $"ifconfig {fixedAddress.Local} {fixedAddress.RemoteOrNetmask}";
        }
        else if (_allocator is not null)
        {
            int index = _allocator.Acquire(cn);
            if (index < 0)
            {
                LogInfo($"{client.LogPrefix} MULTI: no free --ifconfig-pool addresses are available");
                Reject(client, "no free address in the pool", now);
                return;
            }

            PoolAssignment assignment = _allocator.Pool.GetAssignment(index);
            client.PoolIndex = index;
            client.VirtualAddress = Ipv4.ToUInt32(assignment.ClientAddress);
            ifconfigPush = assignment.ToPushOption();
        }
        else
        {
            Reject(client, "no tunnel address for this client (no pool and no ifconfig-push)", now);
            return;
        }

        if (!TryAssignIpv6(client, ccd, now, out string? ifconfigIpv6Push))
        {
            return;
        }

        LogInfo($"{client.LogPrefix} MULTI_sva: {(ccd?.IfconfigPush is null ? "pool returned" : "ifconfig-push from client-config-dir")} " +
            $"IPv4={Ipv4.Format(client.VirtualAddress)}, IPv6={(client.VirtualAddress6 == UInt128.Zero ? "(Not enabled)" : Ipv6.ToAddress(client.VirtualAddress6))}");
        if (_connectScripts is { HasConnect: true } scripts)
        {
            StartClientConnect(client, scripts, ccd, ifconfigPush, ifconfigIpv6Push);
            return;
        }

        FinishAccept(client, ccd, null, ifconfigPush, ifconfigIpv6Push, now);
    }

    /// <summary>
    /// client-connect, with the address the client got (multi.c multi_client_connect_setenv); its verdict and
    /// directives come back to the control loop (<see cref="OnClientConnectDone"/>). The pool entry stays reserved
    /// meanwhile; a client that goes away meanwhile releases it as usual.
    /// </summary>
    private void StartClientConnect(ServerClient client, ClientConnectScripts scripts, ClientConfigDirEntry? ccd, string ifconfigPush,
        string? ifconfigIpv6Push)
    {
        var addresses = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["trusted_ip"] = TrustedAddress(client),
            ["trusted_port"] = client.Address.Endpoint.Port.ToString(CultureInfo.InvariantCulture),
            ["ifconfig_pool_remote_ip"] = Ipv4.Format(client.ScriptPoolAddress = client.VirtualAddress),
            ["time_unix"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
            ["time_ascii"] = ScriptTime(DateTimeOffset.Now),
        };
        AddPoolVariables(addresses);
        if (client.VirtualAddress6 != UInt128.Zero)
        {
            addresses["ifconfig_pool_remote_ip6"] = Ipv6.ToAddress(client.VirtualAddress6).ToString();
        }

        _ = scripts.ConnectAsync(ScriptClientOf(client), addresses).ContinueWith(task =>
        {
            ClientConnectVerdict verdict = task.IsCompletedSuccessfully ? task.Result : new($"client-connect failed: {task.Exception?.GetBaseException().Message}");
            RunOnControlLater(() => OnClientConnectDone(client, verdict, ccd, ifconfigPush, ifconfigIpv6Push));
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>Control loop: client-connect's verdict; its directives apply after the client's ccd file (disable, ifconfig-push, ...).</summary>
    private void OnClientConnectDone(ServerClient client, ClientConnectVerdict verdict, ClientConfigDirEntry? ccd, string ifconfigPush,
        string? ifconfigIpv6Push)
    {
        if (client.Closing || !_clients.Contains(client))
        {
            return;
        }

        long now = MonotonicClock.NowMs;
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
        else if (directives?.IfconfigPush is { } fixedAddress && !TryMoveToFixedAddress(client, fixedAddress, now, ref ifconfigPush))
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

        ServiceClient(client, now);
    }

    /// <summary>client-connect's ifconfig-push: the client leaves its pool entry for the fixed address (refused if another client has it).</summary>
    private bool TryMoveToFixedAddress(ServerClient client, IfconfigSettings fixedAddress, long now, ref string ifconfigPush)
    {
        uint address = Ipv4.ToUInt32(fixedAddress.Local);
        if (Routes.FindByVirtualAddress(address) is { } holder && !ReferenceEquals(holder, client) && holder.VirtualAddress == address)
        {
            Reject(client, $"ifconfig-push address {fixedAddress.Local} is in use by '{holder.CommonName}'", now);
            return false;
        }

        if (client.PoolIndex >= 0)
        {
            _allocator?.Release(client.PoolIndex);
        }

        client.VirtualAddress = address;
        client.PoolIndex = _allocator?.Reserve(fixedAddress.Local) ?? -1;
        ifconfigPush = $"ifconfig {fixedAddress.Local} {fixedAddress.RemoteOrNetmask}";
        return true;
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

    /// <summary>iroutes and the push list from the ccd file and client-connect's directives, the routes, then PUSH_REPLY.</summary>
    private void FinishAccept(ServerClient client, ClientConfigDirEntry? ccd, ClientConfigDirEntry? directives, string ifconfigPush,
        string? ifconfigIpv6Push, long now)
    {
        TunnelSession session = client.Session;
        string cn = client.CommonName!;
        IEnumerable<ClientConfigDirEntry> entries = new[] { ccd, directives }.OfType<ClientConfigDirEntry>();
        client.IRoutes = entries.SelectMany(e => e.IRoutes)
            .Select(r => (Ipv4.ToUInt32(r.Network) & Ipv4.ToUInt32(r.Netmask), Ipv4.ToUInt32(r.Netmask)))
            .Distinct()
            .ToArray();
        client.IRoutes6 = entries.SelectMany(e => e.IRoutesIpv6)
            .Select(r => (Ipv6.ToUInt128(r.BaseAddress) & Ipv6.Mask(r.PrefixLength), Ipv6.Mask(r.PrefixLength)))
            .Distinct()
            .ToArray();

        IReadOnlyList<string> list = _config.Pushes;
        foreach (ClientConfigDirEntry entry in entries)
        {
            list = entry.ApplyPushes(list);
        }

        var pushes = new List<string>(list);
        if (!entries.Any(e => e.IfconfigPushBlocked))
        {
            pushes.Add(ifconfigPush);
        }

        if (ifconfigIpv6Push is not null && !entries.Any(e => e.IfconfigIpv6PushBlocked))
        {
            pushes.Add(ifconfigIpv6Push);
        }

        Routes.AddAddresses(client);
        string vaddr = Ipv4.Format(client.VirtualAddress);
        LogWrite(LogLevel.Details, $"{client.LogPrefix} MULTI: Learn: {vaddr} -> {client.LogPrefix}");
        LogWrite(LogLevel.Details, $"{client.LogPrefix} MULTI: primary virtual IP for {client.LogPrefix}: {vaddr}");
        foreach ((uint network, uint mask) in client.IRoutes)
        {
            LogWrite(LogLevel.Details, $"{client.LogPrefix} MULTI: internal route {Ipv4.Format(network)}/{Ipv4.PrefixLength(mask).ToString(CultureInfo.InvariantCulture)} -> {client.LogPrefix}");
        }

        if (client.VirtualAddress6 != UInt128.Zero)
        {
            LogWrite(LogLevel.Details, $"{client.LogPrefix} MULTI: Learn: {Ipv6.ToAddress(client.VirtualAddress6)} -> {client.LogPrefix}");
        }

        foreach ((UInt128 network, UInt128 mask) in client.IRoutes6)
        {
            LogWrite(LogLevel.Details, $"{client.LogPrefix} MULTI: internal route {Ipv6.ToAddress(network)}/{UInt128.PopCount(mask).ToString(CultureInfo.InvariantCulture)} -> {client.LogPrefix}");
        }

        session.AcceptPeer(pushes, now);
        client.Accepted = true;
        if (_log.IsEnabled(LogLevel.Options))
        {
            LogWrite(LogLevel.Options, $"{client.LogPrefix} SENT CONTROL [{cn}]: 'PUSH_REPLY,{string.Join(',', pushes)}' (+ peer-id, cipher, protocol-flags)");
        }
    }

    /// <summary>
    /// The client's IPv6 tunnel address (multi.c multi_select_virtual_addr): a ccd ifconfig-ipv6-push, else the
    /// server-ipv6 pool entry with the same index as its IPv4 one; none on an IPv4-only server. False (and the client
    /// refused) only when a fixed address is already held by another client.
    /// </summary>
    private bool TryAssignIpv6(ServerClient client, ClientConfigDirEntry? ccd, long now, out string? push)
    {
        push = null;
        client.VirtualAddress6 = UInt128.Zero;
        ServerIpv6Settings? v6 = _config.Ipv6;
        if (ccd?.IfconfigIpv6Push is { } fixedAddress)
        {
            IPAddress? remote = fixedAddress.Remote ?? v6?.ServerAddress;
            if (remote is null)
            {
                LogInfo($"{client.LogPrefix} ifconfig-ipv6-push {fixedAddress.Local} ignored: the server has no 'server-ipv6' (its tun device carries no IPv6)");
                return true;
            }

            UInt128 address = Ipv6.ToUInt128(fixedAddress.Local);
            if (Routes.FindByVirtualAddress6(address) is { } holder && !ReferenceEquals(holder, client) && holder.VirtualAddress6 == address)
            {
                Reject(client, $"ifconfig-ipv6-push address {fixedAddress.Local} is in use by '{holder.CommonName}'", now);
                return false;
            }

            client.VirtualAddress6 = address;
            push = new IfconfigIpv6Settings(fixedAddress.Local, fixedAddress.PrefixLength, remote).ToPushOption();
            return true;
        }

        if (v6 is null || client.PoolIndex < 0)
        {
            return true;
        }

        if (v6.AddressFor(client.PoolIndex) is not { } pooled)
        {
            LogInfo($"{client.LogPrefix} MULTI: the IPv6 pool has no address for pool entry {client.PoolIndex.ToString(CultureInfo.InvariantCulture)}: IPv4 only for this client");
            return true;
        }

        client.VirtualAddress6 = Ipv6.ToUInt128(pooled);
        push = v6.ToPushOption(pooled);
        return true;
    }

    private void Reject(ServerClient client, string? reason, long now)
    {
        LogInfo($"{client.LogPrefix} TLS Auth Error: {reason ?? "client refused"}");
        client.Session.RejectPeer(null, now);
    }

    /// <summary>Tunnel address of a client as text (status, management).</summary>
    internal static string VirtualAddressText(ServerClient client) =>
        client.VirtualAddress == 0 ? string.Empty : Ipv4.Format(client.VirtualAddress);

    /// <summary>IPv6 tunnel address of a client as text (status, management); empty when it has none.</summary>
    internal static string VirtualAddress6Text(ServerClient client) =>
        client.VirtualAddress6 == UInt128.Zero ? string.Empty : Ipv6.ToAddress(client.VirtualAddress6).ToString();
}

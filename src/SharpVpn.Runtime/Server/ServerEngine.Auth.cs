using System.Globalization;
using System.Net;
using SharpVpn.Config;
using SharpVpn.Protocol.Session;
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
        string? certificateName = CertificateNameOf(client, out string? nameProblem);
        if (certificateName is null && (session.PeerCertificate is not null || _factory.TlsOptions.RequiresPeerCertificate))
        {
            Reject(client, nameProblem, now);
            return;
        }

        // verify-client-cert none|optional and no certificate: no name until username-as-common-name gives one.
        string cn = certificateName ?? ServerClient.Unnamed;

        // The CRL may have been reloaded while this client's TLS handshake ran against the previous one (a revoke
        // racing a reconnect): the lists loaded now decide.
        if (session.PeerCertificate is { } certificate && IsRevokedByCurrentCrl(certificate))
        {
            Reject(client, $"certificate of '{cn}' (serial {certificate.SerialNumber}) is revoked by the reloaded CRL", now);
            return;
        }

        client.CertificateName = certificateName;
        client.CommonName = cn;
        client.Username = session.PeerUsername;
        if (certificateName is not null)
        {
            LogWrite(LogLevel.Handshake, $"{client.Address} VERIFY OK: depth=0, CN={cn}");
        }

        if (_userPassCheck is not null)
        {
            StartUserPassVerify(client, _userPassCheck, now);
            return;
        }

        AssignAndAccept(client, now);
    }

    /// <summary>
    /// The client passed every check: ccd / ccd-exclusive / disable, duplicate-cn, the tunnel address (ccd
    /// ifconfig-push, else the pool with ifconfig-pool-persist), iroutes, the push list; then the session derives keys
    /// and answers PUSH_REQUEST.
    /// </summary>
    private void AssignAndAccept(ServerClient client, long now)
    {
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
                if (client.IsNamed && !ReferenceEquals(other, client) && !other.Closing && other.IsNamed && other.CommonName == cn)
                {
                    LogInfo($"MULTI: new connection by client '{cn}' will cause previous active sessions by this client to be dropped.  Remember to use the --duplicate-cn option if you want multiple clients using the same certificate or username to concurrently connect.");
                    Teardown(other, "duplicate common name", "SIGTERM[soft,duplicate-cn] client-instance exiting");
                }
            }
        }

        string ifconfigPush;
        if (ccd?.IfconfigPush is { } fixedAddress)
        {
            if (!TryMoveToFixedAddress(client, fixedAddress, now, out ifconfigPush))
            {
                return;
            }
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

        pushes.AddRange(AuthTokenIssuer.PushLines(client));
        if (_learnAddress is { } learn)
        {
            LearnThen(client, learn, later => Publish(client, pushes, later));
            return;
        }

        Publish(client, pushes, now);
    }

    /// <summary>The client's addresses and iroutes into the routing tables, then the push reply (the client is admitted).</summary>
    private void Publish(ServerClient client, List<string> pushes, long now)
    {
        TunnelSession session = client.Session;
        string cn = client.CommonName!;
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
            LogWrite(LogLevel.Options, $"{client.LogPrefix} SENT CONTROL [{cn}]: 'PUSH_REPLY,{SharpVpn.Protocol.Auth.AuthToken.RedactPushed(string.Join(',', pushes))}' (+ peer-id, cipher, protocol-flags)");
        }
    }

    /// <summary>
    /// A fixed address (ccd or client-connect ifconfig-push): the client leaves its pool entry, if it had one, for it;
    /// refused if another client holds it. <paramref name="ifconfigPush"/> becomes its push line.
    /// </summary>
    private bool TryMoveToFixedAddress(ServerClient client, IfconfigSettings fixedAddress, long now, out string ifconfigPush)
    {
        uint address = Ipv4.ToUInt32(fixedAddress.Local);
        if (Routes.FindByVirtualAddress(address) is { } holder && !ReferenceEquals(holder, client) && holder.VirtualAddress == address)
        {
            Reject(client, $"ifconfig-push address {fixedAddress.Local} is in use by '{holder.CommonName}'", now);
            ifconfigPush = string.Empty;
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

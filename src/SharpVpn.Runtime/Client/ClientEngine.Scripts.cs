using System.Net;
using SharpVpn.Config;
using SharpVpn.Platform.Network;
using SharpVpn.Protocol.Session;
using SharpVpn.Runtime.Shared;
using SharpVpn.Tls;

namespace SharpVpn.Runtime.Client;

/// <summary>
/// The client's scripts: tls-verify (inside the TLS handshake), up and route-up once the tun device and its routes are
/// configured, down after it closed (OpenVPN 2.6's order).
/// </summary>
public sealed partial class ClientEngine
{
    private readonly long _startedUnixSeconds = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    /// <summary>up / down / route-up, or null when none is configured.</summary>
    private UpDownScripts? _upDown;

    /// <summary>The remote entry of the current connection (its host as written in the config, for remote_1).</summary>
    private RemoteEndpoint? _currentRemote;

    // What the last up was told, for the down script of the same device.
    private ScriptTun? _scriptTun;
    private Dictionary<string, string>? _scriptVariables;
    private bool _scriptRedirectGateway;

    /// <summary>
    /// tls-verify on the client: the server's chain, CA first, checked by the script inside the TLS handshake (for the
    /// server this connection talks to); null without tls-verify.
    /// </summary>
    private Func<IReadOnlyList<System.Security.Cryptography.X509Certificates.X509Certificate2>, string?>? TlsVerifyCheck(ClientConfig config)
    {
        if (config.Tls.TlsVerify is not { } command)
        {
            return null;
        }

        var script = new TlsVerifyScript(command, new ScriptRunner(null, config.Process.SetEnv, static () => new Dictionary<string, string>(),
            TimeSpan.FromSeconds(config.Renegotiation.HandWindowSeconds)), TlsOptionsFactory.PeerNameFields(config.Tls), config.Tls.ExportCertDirectory);
        return chain =>
        {
            if (_connection is not { } connection || _currentRemote is not { } remote)
            {
                return "tls-verify: no connection to check the certificate for";
            }

            return script.Check(chain, connection.Remote, ClientScriptVariables.Base(config, remote, _startedUnixSeconds), _log.Info);
        };
    }

    /// <summary>The server's name as OpenVPN's client gives it (x509-username-field, default the CN): logs and common_name.</summary>
    private string? PeerNameOf(TunnelSession session) =>
        session.PeerCertificate is { } certificate ? PeerName.Extract(certificate, _factory.TlsOptions.PeerNameFields, out _) : null;

    /// <summary>Runs up for a freshly configured tun device, before the tunnel is announced; a failure ends the client.</summary>
    private void RunUpScript(ClientConnection connection, PushReplyOptions push, IReadOnlyList<string> pushed, string device, int mtu,
        string context = "init")
    {
        _upDown ??= _config.Process.HasTunScripts ? new UpDownScripts(_config.Process, _log.Info) : null;
        if (_upDown is null || _currentRemote is not { } remote)
        {
            return;
        }

        _scriptVariables = ClientScriptVariables.Build(_config, remote, connection.Remote, connection.Session.PeerCertificate, PeerNameOf(connection.Session),
            _factory.TlsOptions.TrustedCertificateAuthorities, push, pushed, NetGatewayToward(connection.Remote.Address, device), _startedUnixSeconds);
        _scriptTun = new ScriptTun(device, mtu, push.Ifconfig?.Local.ToString() ?? string.Empty, push.Ifconfig?.RemoteOrNetmask.ToString() ?? string.Empty);
        _scriptRedirectGateway = push.RedirectGateway is not null && !_config.RouteNoPull;
        try
        {
            _upDown.RunUp(_scriptTun.Value, _scriptVariables, context);
            if (context == "init")
            {
                _upDown.RunRouteUp(_scriptTun.Value, _scriptVariables, _scriptRedirectGateway); // the routes are in place already
            }
        }
        catch (InvalidOperationException ex)
        {
            throw new ClientFatalException(ex.Message);
        }
    }

    /// <summary>Runs route-pre-down before the routes of the device the last up ran for are removed.</summary>
    private void RunRoutePreDownScript(string signal)
    {
        if (_upDown is { } scripts && _scriptTun is { } tun && _scriptVariables is not null)
        {
            scripts.RunRoutePreDown(tun, DownVariables(), signal.ToLowerInvariant());
        }
    }

    private Dictionary<string, string> DownVariables() => new(_scriptVariables!, StringComparer.Ordinal)
    {
        ["redirect_gateway"] = _scriptRedirectGateway ? "1" : "0",
    };

    /// <summary>
    /// ipchange as the connection to a server is established (socket.c link_socket_connection_initiated): "[AF_INET]IP PORT"
    /// as arguments, the connection's variables; a failure is only logged.
    /// </summary>
    private void RunIpchangeScript(ClientConnection connection, PushReplyOptions push, IReadOnlyList<string> pushed)
    {
        if (_config.Process.Ipchange is not { } command || _currentRemote is not { } remote)
        {
            return;
        }

        _ipchangeRunner ??= new ScriptRunner(null, _config.Process.SetEnv, static () => new Dictionary<string, string>(), TimeSpan.FromMinutes(2));
        Dictionary<string, string> variables = ClientScriptVariables.Build(_config, remote, connection.Remote, connection.Session.PeerCertificate,
            PeerNameOf(connection.Session), _factory.TlsOptions.TrustedCertificateAuthorities, push, pushed, null, _startedUnixSeconds);
        variables["script_type"] = "ipchange";
        IPAddress address = connection.Remote.Address.IsIPv4MappedToIPv6 ? connection.Remote.Address.MapToIPv4() : connection.Remote.Address;
        // As openvpn's print_sockaddr_ex: the address family in brackets before the address, e.g. "[AF_INET]192.0.2.1 1194".
        string family = address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? "[AF_INET6]" : "[AF_INET]";
        string[] arguments = [family + address, connection.Remote.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)];
        _log.Info(string.Join(' ', command.Concat(arguments)));
        int? exit = _ipchangeRunner.Run("ipchange", command, arguments, variables, [], out string? problem);
        if (exit != 0)
        {
            _log.Info($"WARNING: the ipchange script failed: {problem ?? $"'{command[0]}' exited with code {exit}"}");
        }
    }

    private ScriptRunner? _ipchangeRunner;

    /// <summary>Runs down once the device the last up ran for is closed; <paramref name="signal"/> as OpenVPN names it (sigterm, sigusr1).</summary>
    private void RunDownScript(string signal, string context = "init")
    {
        if (_upDown is not { HasDown: true } scripts || _scriptTun is not { } tun || _scriptVariables is null)
        {
            return;
        }

        Dictionary<string, string> variables = DownVariables();
        _scriptTun = null;
        scripts.RunDown(tun, variables, signal.ToLowerInvariant(), context);
    }

    /// <summary>
    /// route_net_gateway: the gateway this host reaches the VPN server through (OpenVPN reports its default route's,
    /// which is the same for a client on the move); 0.0.0.0 when the server is on a directly attached network.
    /// </summary>
    private IPAddress? NetGatewayToward(IPAddress server, string device)
    {
        try
        {
            using var network = new NetworkConfigurator(device);
            return network.GetRoute(server.IsIPv4MappedToIPv6 ? server.MapToIPv4() : server).Gateway;
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }
}

using System.CommandLine;
using SharpVpn.Config;
using SharpVpn.Runtime.Client;
using SharpVpn.Runtime.Logging;
using SharpVpn.Tls;

namespace SharpVpn.Cli.Commands;

/// <summary>
/// <c>sharpvpn client --config FILE [--verb N]</c> (or <c>sharpvpn-client --config FILE [--verb N]</c>): runs an
/// OpenVPN client config against an OpenVPN 2.4-2.6 (or SharpVPN) server until SIGINT/SIGTERM. Exit 0 after a clean shutdown, 1 for usage errors, 2 when the
/// config is invalid or the connection cannot succeed (AUTH_FAILED, certificate rejected, HALT).
/// </summary>
public static class ClientCommand
{
    public const string Description = "Connect to an OpenVPN server with an OpenVPN client config (.ovpn / client.conf)";
    public const string ConfigDescription = "OpenVPN client config (.ovpn / client.conf)";
    public const string VerbDescription = "Log verbosity 0..11 (overrides 'verb' in the config; 3 shows TUN and route details)";

    /// <summary>'sharpvpn client' of the full command line: the client's options (--config, --verb), running the client.</summary>
    public static Command Create()
    {
        var command = new Command("client", Description);
        var config = new Option<string>("--config") { Description = ConfigDescription, Required = true };
        var verb = new Option<int?>("--verb") { Description = VerbDescription };
        command.Options.Add(config);
        command.Options.Add(verb);
        command.SetAction(int (ParseResult r) => Run(r.GetValue(config)!, r.GetValue(verb)));
        return command;
    }

    /// <summary>
    /// First thing in a client's process (its start is on the clock, issue 7): the system certificate store is hidden
    /// from the first chain build while the process still has one thread (the credentials load on a side thread,
    /// FirstTlsEngine; see ChainWarmup), and OpenSSL starts loading meanwhile.
    /// </summary>
    public static void PrepareStart()
    {
        ChainWarmup.HideSystemStore();
        OpenSslWarmup.Start();
    }

    public static int Run(string configPath, int? verbOverride)
    {
        if (verbOverride is < 0 or > 11)
        {
            throw new UsageException($"--verb {verbOverride} is outside 0..11.");
        }

        if (!File.Exists(configPath))
        {
            throw new UsageException($"Config file '{configPath}' does not exist.");
        }

        var prompt = new ConsoleClientPrompt();
        ClientConfig parsed = ClientCredentials.WithKeyPassphrase(ConfigParser.ParseClient(configPath), prompt);
        // The credentials and the ClientHello start loading now, while the log is opened and the engine made (issue 7).
        using ClientTlsAhead tlsAhead = ClientTlsAhead.Begin(parsed);
        LoggingSettings logging = parsed.Logging;
        using OpenVpnLog log = OpenVpnLog.Open(verbOverride ?? logging.Verb, logging.Mute, logging.LogFile, logging.LogAppend, logging.Timestamps);
        using var engine = new ClientEngine(parsed, log, new ClientEngineOptions { Prompt = prompt, TlsAhead = tlsAhead });
        try
        {
            return engine.Run();
        }
        catch (ClientFatalException ex)
        {
            log.Write(LogLevel.Fatal, $"Exiting due to fatal error: {ex.Message}");
            throw;
        }
    }
}

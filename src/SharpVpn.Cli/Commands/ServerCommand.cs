using System.CommandLine;
using SharpVpn.Config;
using SharpVpn.Runtime.Logging;
using SharpVpn.Runtime.Server;

namespace SharpVpn.Cli.Commands;

/// <summary>
/// <c>sharpvpn server --config FILE [--verb N]</c>: runs an OpenVPN server config (the tutorial's 2.4-era server.conf
/// or a modern one) until SIGINT/SIGTERM; SIGHUP reloads the CRL and ccd without dropping clients. Exit 0 after a
/// clean shutdown, 1 for usage errors, 2 when the config is invalid or setup fails (the message names the cause).
/// </summary>
internal static class ServerCommand
{
    public static Command Create()
    {
        var config = new Option<string>("--config") { Description = "OpenVPN server config (server.conf)", Required = true };
        var verb = new Option<int?>("--verb") { Description = "Log verbosity 0..11 (overrides 'verb' in the config)" };
        var command = new Command("server", "Run the VPN server from an OpenVPN server config (server.conf)")
        {
            config, verb,
        };
        command.SetAction(int (ParseResult r) => Run(r.GetValue(config)!, r.GetValue(verb)));
        return command;
    }

    internal static int Run(string configPath, int? verbOverride)
    {
        if (verbOverride is < 0 or > 11)
        {
            throw new UsageException($"--verb {verbOverride} is outside 0..11.");
        }

        if (!File.Exists(configPath))
        {
            throw new UsageException($"Config file '{configPath}' does not exist.");
        }

        ServerConfig parsed = ConfigParser.ParseServer(configPath);
        LoggingSettings logging = parsed.Logging;
        using OpenVpnLog log = OpenVpnLog.Open(verbOverride ?? logging.Verb, logging.Mute, logging.LogFile, logging.LogAppend, logging.Timestamps);
        using var engine = new ServerEngine(parsed, log);
        try
        {
            return engine.Run();
        }
        catch (Exception ex) when (ex is not UsageException)
        {
            log.Write(LogLevel.Fatal, $"Exiting due to fatal error: {ex.Message}");
            throw;
        }
    }
}

using System.Globalization;
using SharpVpn.Config;

namespace SharpVpn.Runtime.Shared;

/// <summary>The tun device as up/down scripts are told about it (their arguments and variables).</summary>
internal readonly record struct ScriptTun(string Device, int TunMtu, string Local, string RemoteOrNetmask);

/// <summary>
/// <c>up</c> and <c>down</c>, on the server and the client, as OpenVPN 2.6 runs them (init.c run_up_down): the command
/// plus <c>dev tun_mtu 0 ifconfig_local ifconfig_remote|netmask init</c> (2.6 passes 0 where the link MTU was), with
/// <c>script_type</c>, <c>script_context</c>, <c>dev</c>, <c>dev_type</c>, <c>tun_mtu</c>, the side's variables and for
/// down <c>signal</c>. Both run to completion before the process goes on (up before the tunnel is announced ready,
/// down after the device is closed); a failing up stops the process, as OpenVPN's does; a failing down is logged.
/// </summary>
internal sealed class UpDownScripts(ProcessSettings process, Action<string> log)
{
    // OpenVPN waits for these without limit; a script hung for this long is killed rather than holding the tunnel.
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    private readonly ScriptRunner _runner = new(null, process.SetEnv, static () => new Dictionary<string, string>(), Timeout);

    public bool HasUp => process.Up is not null;

    public bool HasDown => process.Down is not null;

    public bool HasRouteUp => process.RouteUp is not null;

    /// <summary><c>down-pre</c>: down runs before the device is closed instead of after.</summary>
    public bool DownBeforeClose => process.DownPre;

    /// <summary><c>up-restart</c>: a reconnect that keeps the device (persist-tun) runs down and up with "restart".</summary>
    public bool OnRestart => process.UpRestart;

    /// <summary>Runs <c>up</c> if configured; throws when it fails (the tunnel must not start without what it sets up).</summary>
    /// <param name="context">"init", or "restart" for a reconnect that kept the device (up-restart).</param>
    public void RunUp(ScriptTun tun, IReadOnlyDictionary<string, string> variables, string context = "init")
    {
        if (process.Up is { } command && Run("up", command, tun, variables, signal: null, context) is { } problem)
        {
            throw new InvalidOperationException($"The up script failed: {problem}.");
        }
    }

    /// <summary>
    /// Runs <c>route-up</c> if configured, once the routes are in place (init.c do_route): no arguments, up's variables
    /// plus <c>redirect_gateway</c>; a failure is only logged, as OpenVPN's.
    /// </summary>
    public void RunRouteUp(ScriptTun tun, IReadOnlyDictionary<string, string> variables, bool redirectGateway)
    {
        if (process.RouteUp is not { } command)
        {
            return;
        }

        var own = new Dictionary<string, string>(variables, StringComparer.Ordinal) { ["redirect_gateway"] = redirectGateway ? "1" : "0" };
        AddTunVariables(own, "route-up", tun, "init");
        log(string.Join(' ', command));
        int? exit = _runner.Run("route-up", command, [], own, [], out string? problem);
        if (exit != 0)
        {
            log($"WARNING: the route-up script failed: {problem ?? $"'{command[0]}' exited with code {exit?.ToString(CultureInfo.InvariantCulture)}"}");
        }
    }

    /// <summary>Runs <c>route-pre-down</c> if configured, before the routes are removed (down's arguments and variables); a failure is only logged.</summary>
    public void RunRoutePreDown(ScriptTun tun, IReadOnlyDictionary<string, string> variables, string signal)
    {
        if (process.RoutePreDown is { } command && Run("route-pre-down", command, tun, variables, signal, "init") is { } problem)
        {
            log($"WARNING: the route-pre-down script failed: {problem}");
        }
    }

    /// <summary>Runs <c>down</c> if configured, after the device is gone; <paramref name="signal"/> e.g. "sigterm".</summary>
    public void RunDown(ScriptTun tun, IReadOnlyDictionary<string, string> variables, string signal, string context = "init")
    {
        if (process.Down is { } command && Run("down", command, tun, variables, signal, context) is { } problem)
        {
            log($"WARNING: the down script failed: {problem}");
        }
    }

    private static void AddTunVariables(Dictionary<string, string> env, string type, ScriptTun tun, string context)
    {
        env["script_type"] = type;
        env["script_context"] = context;
        env["dev"] = tun.Device;
        env["dev_type"] = "tun";
        env["tun_mtu"] = tun.TunMtu.ToString(CultureInfo.InvariantCulture);
    }

    private string? Run(string type, IReadOnlyList<string> command, ScriptTun tun, IReadOnlyDictionary<string, string> variables, string? signal,
        string context)
    {
        string mtu = tun.TunMtu.ToString(CultureInfo.InvariantCulture);
        string[] arguments = [tun.Device, mtu, "0", tun.Local, tun.RemoteOrNetmask, context];
        var own = new Dictionary<string, string>(variables, StringComparer.Ordinal);
        AddTunVariables(own, type, tun, context);
        if (signal is not null)
        {
            own["signal"] = signal;
        }

        log(string.Join(' ', command.Concat(arguments)));
        int? exit = _runner.Run(type, command, arguments, own, [], out string? problem);
        return exit switch
        {
            null => problem,
            0 => null,
            _ => $"'{command[0]}' exited with code {exit.Value.ToString(CultureInfo.InvariantCulture)}",
        };
    }
}

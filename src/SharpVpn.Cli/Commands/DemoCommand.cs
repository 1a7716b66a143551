using System.CommandLine;
using System.Runtime.InteropServices;
using SharpVpn.Cli.Demo;
using SharpVpn.Runtime.Setup.Demo;
using Spectre.Console;

namespace SharpVpn.Cli.Commands;

/// <summary>
/// <c>sharpvpn demo [--client sharpvpn|openvpn] [--pause SECONDS]</c>: the whole tutorial on this machine in network namespaces,
/// shown step by step; everything is removed at the end, on failure and on Ctrl-C.
/// </summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var client = new Option<string>("--client")
        {
            Description = "The VPN client to connect with: sharpvpn (ours) or openvpn (the real OpenVPN, if installed)",
            DefaultValueFactory = _ => "sharpvpn",
        };
        client.AcceptOnlyFromAmong("sharpvpn", "openvpn");
        var pause = new Option<double>("--pause")
        {
            Description = "Seconds to pause after each step, to follow along (e.g. in a presentation); Ctrl-C still stops and cleans up",
            DefaultValueFactory = _ => 0,
        };
        pause.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<double>() is < 0 or > 600)
            {
                r.AddError("--pause must be between 0 and 600 seconds.");
            }
        });
        var command = new Command("demo", "Run the whole tutorial on this machine in network namespaces: server, intranet host, client, ping")
        {
            client, pause,
        };
        command.SetAction(int (ParseResult r) => Run(r.GetValue(client) == "openvpn" ? DemoClientKind.OpenVpn : DemoClientKind.SharpVpn,
            TimeSpan.FromSeconds(r.GetValue(pause))));
        return command;
    }

    private static int Run(DemoClientKind client, TimeSpan pause)
    {
        if (!Environment.IsPrivilegedProcess)
        {
            throw new UsageException("The demo creates network namespaces and a TUN device, which needs root: run it with sudo.");
        }

        if (!File.Exists("/dev/net/tun"))
        {
            throw new InvalidOperationException("/dev/net/tun is missing, so no VPN tunnel can be created here (load the tun module: modprobe tun).");
        }

        var observer = new SpectreDemoObserver();
        using var runner = new DemoRunner(new DemoOptions { Client = client, StepPause = pause }, observer);
        using var cts = new CancellationTokenSource();
        var signals = new List<PosixSignalRegistration>();
        foreach (PosixSignal signal in new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM, PosixSignal.SIGHUP })
        {
            signals.Add(PosixSignalRegistration.Create(signal, ctx =>
            {
                // Keep running until the teardown in RunAsync's finally has removed everything.
                ctx.Cancel = true;
                cts.Cancel();
            }));
        }

        void OnExit(object? sender, EventArgs e) => runner.Teardown();
        AppDomain.CurrentDomain.ProcessExit += OnExit;
        AnsiConsole.MarkupLine($"[bold]SharpVPN demo[/]: the tutorial's three hosts on this machine (namespaces {runner.Prefix}-cli/-srv/-int). Ctrl-C stops and cleans up.");
        try
        {
            DemoResult result = AnsiConsole.Profile.Capabilities.Interactive
                ? AnsiConsole.Status().Spinner(Spinner.Known.Dots).Start("Starting...", ctx =>
                {
                    observer.Status = ctx;
                    return runner.RunAsync(cts.Token).GetAwaiter().GetResult();
                })
                : runner.RunAsync(cts.Token).GetAwaiter().GetResult();
            observer.Status = null;
            if (!result.Succeeded)
            {
                throw new InvalidOperationException(result.PingBeforeFailed
                    ? "The demo's ping through the tunnel got no answer."
                    : "The intranet host answered before the tunnel was up, so the demo proves nothing.");
            }

            AnsiConsole.MarkupLine("[green bold]Done[/]: the client could not reach 192.168.1.1 before the tunnel and could after. "
                + "On a real server: [bold]sudo sharpvpn quickstart[/].");
            return CommandExit.Success;
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            Console.Error.WriteLine("sharpvpn: demo interrupted; everything it created was removed.");
            return CommandExit.Failure;
        }
        finally
        {
            runner.Teardown();
            AppDomain.CurrentDomain.ProcessExit -= OnExit;
            foreach (PosixSignalRegistration s in signals)
            {
                s.Dispose();
            }
        }
    }
}

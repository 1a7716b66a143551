using System.Globalization;
using SharpVpn.Runtime.Setup;
using SharpVpn.Runtime.Setup.Demo;
using Spectre.Console;

namespace SharpVpn.Cli.Demo;

/// <summary>Draws the demo's steps as they run: a spinner on the running step, then ✔ / ✘ lines with details.</summary>
internal sealed class SpectreDemoObserver : IDemoObserver
{
    private readonly Lock _gate = new();

    /// <summary>The live spinner's context while the demo runs (null when the console is not interactive).</summary>
    public StatusContext? Status { get; set; }

    public void StepStarted(string title)
    {
        lock (_gate)
        {
            Status?.Status(Markup.Escape(title) + "...");
        }
    }

    public void StepFinished(string title, DemoStepOutcome outcome, string? detail = null)
    {
        string mark = outcome switch
        {
            DemoStepOutcome.Succeeded => "[green]✔[/]",
            DemoStepOutcome.FailedAsExpected => "[yellow]✘[/]",
            _ => "[red]✘[/]",
        };
        string rest = detail is null ? "" : $" [grey]- {Markup.Escape(detail)}[/]";
        lock (_gate)
        {
            AnsiConsole.MarkupLine($"{mark} {Markup.Escape(title)}{rest}");
        }
    }

    public void ServerStatus(string clientAddress, IReadOnlyList<ConnectedClient> clients)
    {
        var table = new Table().Title("Server status (management 'status 2')")
            .AddColumns("Common name", "Real address", "VPN address", "Bytes in", "Bytes out", "Connected since");
        foreach (ConnectedClient c in clients)
        {
            table.AddRow(Markup.Escape(c.CommonName), Markup.Escape(c.RealAddress), Markup.Escape(c.VirtualAddress),
                c.BytesReceived.ToString(CultureInfo.InvariantCulture), c.BytesSent.ToString(CultureInfo.InvariantCulture), Markup.Escape(c.ConnectedSince));
        }

        lock (_gate)
        {
            if (clientAddress.Length > 0)
            {
                AnsiConsole.MarkupLine($"Client's VPN address: [bold]{Markup.Escape(clientAddress)}[/]");
            }

            AnsiConsole.Write(table);
        }
    }

    public void Detail(string line)
    {
        lock (_gate)
        {
            AnsiConsole.MarkupLine($"    [grey]{Markup.Escape(line)}[/]");
        }
    }
}

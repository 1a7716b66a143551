using System.Globalization;
using SharpVpn.Runtime.Shared;

namespace SharpVpn.Runtime.Server;

/// <summary>
/// <c>learn-address CMD</c> as OpenVPN 2.6 runs it (multi.c learn_address_script): <c>add ADDR CN</c> with the client's
/// variables as each address starts being routed to a client (its tunnel address, IPv6 address, then each iroute as
/// NET/BITS), <c>delete ADDR</c> with only <c>script_type</c> once it no longer is. Typical use: per-client firewall
/// rules. The calls run one after another, in the order they were made (a reconnecting client's delete comes before
/// its add), off the control loop. Unlike OpenVPN, which keeps such a client but does not route the address, a
/// failed add refuses the client: it would otherwise be connected without what the script sets up for it.
/// </summary>
internal sealed class LearnAddressScript(IReadOnlyList<string> command, ScriptRunner runner)
{
    private readonly Lock _lock = new();
    private Task _tail = Task.CompletedTask;

    /// <summary>
    /// Queues <c>add</c> for each address (what the script is told about the client is taken now); the task's result is
    /// null when every one succeeded, else why the first failed (the rest are not tried).
    /// </summary>
    public Task<string?> AddAsync(ScriptClient client, IReadOnlyDictionary<string, string> clientVariables, IReadOnlyList<string> addresses)
    {
        Dictionary<string, string> context = runner.Context(client);
        foreach ((string name, string value) in clientVariables)
        {
            context[name] = value;
        }

        string commonName = client.CommonName;
        return Enqueue(() =>
        {
            foreach (string address in addresses)
            {
                if (Run("add", address, commonName, context) is { } problem)
                {
                    return problem;
                }
            }

            return null;
        });
    }

    /// <summary>Queues <c>delete</c> for each address; <paramref name="log"/> gets a line for each failure.</summary>
    public void Delete(IReadOnlyList<string> addresses, Action<string> log)
    {
        if (addresses.Count == 0)
        {
            return;
        }

        _ = Enqueue(() =>
        {
            foreach (string address in addresses)
            {
                if (Run("delete", address, null, new Dictionary<string, string>()) is { } problem)
                {
                    log($"WARNING: {problem}");
                }
            }

            return (string?)null;
        });
    }

    /// <summary>Waits until everything queued so far ran (at shutdown); false if it did not within <paramref name="timeout"/>.</summary>
    public bool WaitIdle(TimeSpan timeout)
    {
        Task tail;
        lock (_lock)
        {
            tail = _tail;
        }

        return tail.Wait(timeout);
    }

    private Task<string?> Enqueue(Func<string?> work)
    {
        lock (_lock)
        {
            Task<string?> next = _tail.ContinueWith(_ => work(), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
            _tail = next;
            return next;
        }
    }

    private string? Run(string operation, string address, string? commonName, Dictionary<string, string> context)
    {
        var variables = new Dictionary<string, string>(StringComparer.Ordinal) { ["script_type"] = "learn-address" };
        string[] arguments = commonName is null ? [operation, address] : [operation, address, commonName];
        int? exit = runner.Run("learn-address", command, arguments, context, variables, out string? problem);
        return exit switch
        {
            null => problem,
            0 => null,
            _ => $"learn-address {operation} {address} exited with code {exit.Value.ToString(CultureInfo.InvariantCulture)}",
        };
    }
}

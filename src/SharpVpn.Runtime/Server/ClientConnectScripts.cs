using System.Diagnostics;
using System.Globalization;
using SharpVpn.Config;
using SharpVpn.Runtime.Shared;

namespace SharpVpn.Runtime.Server;

/// <summary>The client-connect script's answer: refused (why), or accepted with the directives it wrote, if any.</summary>
internal sealed record ClientConnectVerdict(string? Problem, ClientConfigDirEntry? Directives = null)
{
    public bool IsAccepted => Problem is null;
}

/// <summary>
/// <c>client-connect</c> and <c>client-disconnect</c> as OpenVPN 2.6 runs them (multi.c): client-connect after the
/// client passed every check and got its tunnel address, with <c>ifconfig_pool_remote_ip</c> (and its IPv6 and
/// netmask companions), <c>trusted_ip</c>/<c>trusted_port</c>, <c>time_unix</c>/<c>time_ascii</c> and the client's
/// variables; its first argument names a fresh 0600 file in which it may write client-config-dir directives
/// (<c>push</c>, <c>push-reset</c>, <c>push-remove</c>, <c>iroute</c>, <c>ifconfig-push</c>, <c>disable</c>, ...),
/// applied after the client's ccd file. A non-zero exit refuses the client. client-disconnect runs when a connected
/// client goes, with <c>bytes_received</c>, <c>bytes_sent</c> and <c>time_duration</c>; its exit code is only logged.
/// Deferred client-connect as in 2.6: the script writes "2" to <c>client_connect_deferred_file</c> and exits 0; the
/// decision ("1"/"0") comes later in that file, polled until the handshake window ends.
/// </summary>
internal sealed class ClientConnectScripts(IReadOnlyList<string>? connect, IReadOnlyList<string>? disconnect, ScriptRunner runner)
{
    private readonly Lock _pendingLock = new();
    private readonly HashSet<Task> _pendingDisconnects = [];

    public bool HasConnect => connect is not null;

    public bool HasDisconnect => disconnect is not null;

    /// <summary>Runs client-connect on the thread pool (what it is told about the client is taken now, on the caller's thread).</summary>
    public Task<ClientConnectVerdict> ConnectAsync(ScriptClient client, IReadOnlyDictionary<string, string> addressVariables)
    {
        Dictionary<string, string> context = runner.Context(client);
        string commonName = client.CommonName;
        return Task.Run(() => Connect(commonName, addressVariables, context));
    }

    /// <summary>Runs client-disconnect on the thread pool; <paramref name="log"/> gets a line if it failed.</summary>
    public void StartDisconnect(ScriptClient client, IReadOnlyDictionary<string, string> sessionVariables, Action<string> log)
    {
        if (disconnect is null)
        {
            return;
        }

        Dictionary<string, string> context = runner.Context(client);
        string commonName = client.CommonName;
        Task task = Task.Run(() =>
        {
            var variables = new Dictionary<string, string>(sessionVariables, StringComparer.Ordinal)
            {
                ["script_type"] = "client-disconnect",
                ["script_context"] = "init",
            };
            try
            {
                int? exit = runner.Run("client-disconnect", disconnect, [], context, variables, out string? problem);
                if (exit != 0)
                {
                    log($"{commonName} client-disconnect: {problem ?? $"exited with code {exit!.Value.ToString(CultureInfo.InvariantCulture)}"}");
                }
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // Nobody awaits this task: say what went wrong instead of losing it.
                log($"{commonName} client-disconnect failed: {ex.GetType().Name}: {ex.Message}");
            }
        });
        lock (_pendingLock)
        {
            _pendingDisconnects.Add(task);
        }

        _ = task.ContinueWith(t =>
        {
            lock (_pendingLock)
            {
                _pendingDisconnects.Remove(t);
            }
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>
    /// At shutdown: waits (at most <paramref name="limit"/>) for the client-disconnect scripts still running, so the
    /// accounting of the clients the shutdown disconnected is not cut off by the process's exit (OpenVPN runs them
    /// before it exits too). True when all finished.
    /// </summary>
    public bool WaitForDisconnects(TimeSpan limit)
    {
        Task[] pending;
        lock (_pendingLock)
        {
            pending = [.. _pendingDisconnects];
        }

        try
        {
            return Task.WaitAll(pending, limit);
        }
        catch (AggregateException)
        {
            return true; // they ended (their errors were logged)
        }
    }

    private ClientConnectVerdict Connect(string commonName, IReadOnlyDictionary<string, string> addressVariables, IReadOnlyDictionary<string, string> context)
    {
        string output = runner.TempFileName("cc");
        string deferred = runner.TempFileName("ccr");
        var clock = Stopwatch.StartNew();
        try
        {
            ScriptRunner.CreatePrivateFile(output, string.Empty);
            ScriptRunner.CreatePrivateFile(deferred, string.Empty);
            var variables = new Dictionary<string, string>(addressVariables, StringComparer.Ordinal)
            {
                ["script_type"] = "client-connect",
                ["script_context"] = "init",
                ["client_connect_config_file"] = output,
                ["client_connect_deferred_file"] = deferred,
            };
            int? exit = runner.Run("client-connect", connect!, [output], context, variables, out string? problem);
            if (exit is null)
            {
                return new(problem);
            }

            if (exit != 0)
            {
                return new($"client-connect exited with code {exit.Value.ToString(CultureInfo.InvariantCulture)}");
            }

            // Deferred (multi.c ccs_test_deferred_ret_file): the script wrote "2" to client_connect_deferred_file and
            // something it started writes "1" (directives in the config file by then) or "0" later.
            if (ScriptRunner.TryReadText(deferred, 1) == "2" && AwaitDeferredDecision(deferred, clock) is { } refusal)
            {
                return new(refusal);
            }

            // Bounded like a ccd file is in practice: a directive file of a megabyte is a broken script.
            string? text = ScriptRunner.TryReadText(output, 1 << 20);
            return new(null, string.IsNullOrWhiteSpace(text) ? null : ClientConfigDirEntry.Parse(text, $"client-connect output for '{commonName}'", commonName));
        }
        catch (ConfigException ex)
        {
            return new($"client-connect wrote a bad directive: {ex.Message}");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return new($"client-connect: cannot create its output file: {ex.Message}");
        }
        finally
        {
            ScriptRunner.TryDelete(output);
            ScriptRunner.TryDelete(deferred);
        }
    }

    /// <summary>The deferred result ("2" and an empty file: still pending): null when accepted, else why not.</summary>
    private string? AwaitDeferredDecision(string deferred, Stopwatch clock) => runner.AwaitDecision(deferred, clock, pending: "2") switch
    {
        "1" => null,
        "0" => "client-connect (deferred) refused the client",
        "" => $"client-connect (deferred) gave no decision within {runner.Timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s",
        _ => "client-connect (deferred) wrote an unknown result",
    };
}

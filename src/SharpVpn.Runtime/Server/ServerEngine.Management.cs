using System.Collections.Concurrent;
using System.Globalization;
using SharpVpn.Runtime.DataPath;

namespace SharpVpn.Runtime.Server;

public sealed partial class ServerEngine
{
    private readonly ConcurrentQueue<Action> _controlActions = new();

    /// <summary>Runs <paramref name="action"/> on the control loop and waits for its result (management commands).</summary>
    internal T RunOnControl<T>(Func<T> action)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        _controlActions.Enqueue(() =>
        {
            try
            {
                done.SetResult(action());
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                done.SetException(ex);
            }
        });
        Wake();
        if (!done.Task.Wait(TimeSpan.FromSeconds(10)))
        {
            throw new TimeoutException("The server's control loop did not answer within 10 seconds.");
        }

        return done.Task.Result;
    }

    private void RunControlActions()
    {
        while (_controlActions.TryDequeue(out Action? action))
        {
            action();
        }
    }

    /// <summary>
    /// OpenVPN's <c>load-stats</c> reply (nclients, bytesin, bytesout) plus SharpVPN's gate and drop counters: how many
    /// client instances were ever created, stateless replies sent, packets dropped before any state existed.
    /// </summary>
    internal string LoadStatsText()
    {
        long bytesIn = 0;
        long bytesOut = 0;
        int established = 0;
        foreach (ServerClient c in _clients)
        {
            bytesIn += c.BytesIn;
            bytesOut += c.BytesOut;
            established += c.Established ? 1 : 0;
        }

        return string.Create(CultureInfo.InvariantCulture,
            $"nclients={established},bytesin={bytesIn},bytesout={bytesOut},{CountersText()}");
    }

    /// <summary>Management <c>kill CN</c> or <c>kill IP:port</c>, with OpenVPN's reply texts.</summary>
    internal string ManagementKill(string target)
    {
        int colon = target.LastIndexOf(':');
        bool isAddress = colon > 0 && System.Net.IPAddress.TryParse(target[..colon].Trim('[', ']'), out _)
            && int.TryParse(target[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out _);
        if (isAddress)
        {
            int n = KillClients(c => c.Address.ToString() == target || $"{c.Address.Endpoint.Address}:{c.Address.Endpoint.Port}" == target,
                "killed by management");
            return n > 0
                ? $"SUCCESS: {n.ToString(CultureInfo.InvariantCulture)} client(s) at address {target} killed"
                : $"ERROR: client at address {target} not found";
        }

        int killed = KillClients(c => c.CommonName == target, "killed by management");
        return killed > 0
            ? $"SUCCESS: common name '{target}' found, {killed.ToString(CultureInfo.InvariantCulture)} client(s) killed"
            : $"ERROR: common name '{target}' not found";
    }

    /// <summary>
    /// Management <c>client-kill CID [MSG]</c>: ends the client with that client ID (the CID of <c>status 2</c> and
    /// &gt;CLIENT notifications), sending it MSG (default RESTART, so it reconnects; HALT makes it exit), with
    /// OpenVPN's reply texts.
    /// </summary>
    internal string ManagementKillById(long clientId, string? message)
    {
        int killed = KillClients(c => c.Id == clientId, "killed by management (client-kill)", message);
        return killed > 0 ? "SUCCESS: client-kill command succeeded" : "ERROR: client-kill command failed";
    }

    private void RunManagementTimers()
    {
        if (_management is { } m)
        {
            m.RunTimers(MonotonicClock.NowMs, SnapshotClients());
        }
    }
}

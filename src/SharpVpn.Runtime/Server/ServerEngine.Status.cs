using System.Globalization;
using SharpVpn.Runtime.DataPath;
using SharpVpn.Runtime.Logging;
using SharpVpn.Runtime.Shared;

namespace SharpVpn.Runtime.Server;

public sealed partial class ServerEngine
{
    private long _nextStatusMs;
    private FileStream? _statusStream;
    private bool _statusErrorLogged;

    /// <summary>Opens the status file before privileges are dropped and keeps it open, as OpenVPN does (status.c).</summary>
    private void OpenStatusFile()
    {
        if (_config.Logging.StatusFile is not { } path)
        {
            return;
        }

        try
        {
            _statusStream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.ReadWrite);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"Cannot open the status file '{path}' (status): {ex.Message}", ex);
        }
    }

    /// <summary>OpenVPN's TITLE string for status version 2/3.</summary>
    internal static string Title =>
        $"SharpVPN {BuildInfo.ProductVersion} (OpenVPN 2.6 compatible) x86_64-pc-linux-gnu [SSL (OpenSSL)] [LZO] [LZ4] [EPOLL] [MH/PKTINFO] [AEAD]";

    /// <summary>Snapshot of the connected clients. Control loop.</summary>
    internal List<ClientStatus> SnapshotClients()
    {
        var list = new List<ClientStatus>(_clients.Count);
        foreach (ServerClient c in _clients)
        {
            if (!c.Established || c.Closing)
            {
                continue;
            }

            list.Add(new ClientStatus(c.Id, c.CommonName ?? "UNDEF", c.Address.ToString(), VirtualAddressText(c),
                c.BytesIn, c.BytesOut, c.ConnectedSince, c.Username, c.PeerId, c.Session.DataCipher, VirtualAddress6Text(c)));
        }

        return list;
    }

    /// <summary>Counters for the management interface and tests.</summary>
    internal string CountersText() =>
        string.Create(CultureInfo.InvariantCulture,
            $"clients={_clients.Count},created={ClientsCreated},gate_replies={_gate?.Replies ?? 0},gate_drops={_gate?.Dropped ?? 0},gate_rate_limited={_gate?.RateLimited ?? 0},data_drops={Interlocked.Read(ref _dropped)},bad_source={Interlocked.Read(ref _badSource)},no_route={Interlocked.Read(ref _noRoute)},queue_drops={Interlocked.Read(ref _queueDrops)},packet_faults={Interlocked.Read(ref _packetFaults)},managed_memory={GC.GetTotalMemory(false)}");

    /// <summary>
    /// SIGUSR2, as openvpn does: the status report (version 1) into the log, then SharpVPN's TUN offload line.
    /// </summary>
    private void LogStatistics()
    {
        string report = ServerStatusFile.Format(1, SnapshotClients(), DateTimeOffset.Now, Title);
        foreach (string line in report.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            LogInfo(line);
        }
        LogInfo(TunOffloadReport.Describe(_tun, Interlocked.Read(ref _tunSuperSegmentsWritten), Interlocked.Read(ref _tunPacketsWritten)));
    }

    private void WriteStatus(bool force)
    {
        if (_config.Logging.StatusFile is not { } path)
        {
            return;
        }

        long now = MonotonicClock.NowMs;
        if (!force && now < _nextStatusMs)
        {
            return;
        }

        _nextStatusMs = now + Math.Max(1, _config.Logging.StatusIntervalSeconds) * 1000L;
        try
        {
            string text = ServerStatusFile.Format(_config.Logging.StatusVersion, SnapshotClients(), DateTimeOffset.Now, Title);
            if (_statusStream is { } stream)
            {
                byte[] bytes = System.Text.Encoding.UTF8.GetBytes(text);
                stream.SetLength(0);
                stream.Position = 0;
                stream.Write(bytes);
                stream.Flush();
            }
            else
            {
                ServerStatusFile.Write(path, text);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            if (!_statusErrorLogged)
            {
                _statusErrorLogged = true;
                LogWrite(LogLevel.Info, $"Cannot write the status file '{path}': {ex.Message}");
            }
        }
    }
}

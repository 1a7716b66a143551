using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using SharpVpn.Config;
using SharpVpn.Runtime.Logging;

namespace SharpVpn.Runtime.Server;

/// <summary>
/// The OpenVPN management interface, server side (openvpn-protocol.md §16; OpenVPN manage.c): a line protocol on a
/// TCP loopback port or a unix socket, one client at a time, optional password. Commands: help, version, pid,
/// status [1|2|3], state [on|off|all|N], log [on|off|all|N], bytecount N, kill CN|IP:port, client-kill CID [MSG],
/// signal SIG..., load-stats,
/// quit/exit. Commands that read or change clients run on the server's control loop; real-time notifications
/// (&gt;LOG, &gt;STATE, &gt;BYTECOUNT_CLI, &gt;CLIENT) are written under the connection's lock.
/// </summary>
internal sealed class ManagementInterface : IDisposable
{
    private const int HistoryLines = 500;

    private readonly ServerEngine _engine;
    private readonly ManagementSettings _settings;
    private readonly OpenVpnLog _log;
    private readonly Socket _listener;
    private readonly Thread _thread;
    private readonly Lock _writeLock = new();
    private readonly Lock _historyLock = new();
    private readonly Queue<string> _logHistory = new();
    private readonly List<string> _stateHistory = [];
    private StreamWriter? _writer;
    private Socket? _connection;
    private volatile bool _logRealtime;
    private volatile bool _stateRealtime;
    private volatile bool _disposed;
    private int _bytecountSeconds;
    private long _nextBytecountMs;

    public ManagementInterface(ServerEngine engine, ManagementSettings settings, OpenVpnLog log)
    {
        _engine = engine;
        _settings = settings;
        _log = log;
        if (settings.UnixSocketPath is { } path)
        {
            File.Delete(path);
            _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            _listener.Bind(new UnixDomainSocketEndPoint(path));
        }
        else
        {
            IPAddress address = IPAddress.Parse(settings.Address);
            _listener = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            _listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            _listener.Bind(new IPEndPoint(address, settings.Port));
        }

        _listener.Listen(4);
        _thread = new Thread(AcceptLoop) { IsBackground = true, Name = "ManagementInterface" };
    }

    public void Start()
    {
        _log.Info(_settings.UnixSocketPath is { } p
            ? $"MANAGEMENT: unix domain socket listening on {p}"
            : $"MANAGEMENT: TCP Socket listening on [AF_INET]{_settings.Address}:{_settings.Port.ToString(CultureInfo.InvariantCulture)}");
        _thread.Start();
    }

    /// <summary>Any thread: a log line for history and the real-time &gt;LOG feed.</summary>
    public void OnLog(int level, string message)
    {
        string line = $"{Now()},{(level == LogLevel.Fatal ? "F" : level <= LogLevel.Info ? "I" : "D")},{message}";
        lock (_historyLock)
        {
            _logHistory.Enqueue(line);
            while (_logHistory.Count > HistoryLines)
            {
                _logHistory.Dequeue();
            }
        }

        if (_logRealtime)
        {
            Send(">LOG:" + line);
        }
    }

    public void OnStateChange(string state, string description)
    {
        string line = $"{Now()},{state},{description},,,,,";
        lock (_historyLock)
        {
            _stateHistory.Add(line);
        }

        if (_stateRealtime)
        {
            Send(">STATE:" + line);
        }
    }

    public void OnClientEstablished(ServerClient client) =>
        Send($">CLIENT:ESTABLISHED,{client.Id.ToString(CultureInfo.InvariantCulture)}\r\n>CLIENT:ENV,common_name={client.CommonName}\r\n>CLIENT:ENV,trusted_ip={client.Address.Endpoint.Address}\r\n>CLIENT:ENV,trusted_port={client.Address.Endpoint.Port.ToString(CultureInfo.InvariantCulture)}\r\n>CLIENT:ENV,ifconfig_pool_remote_ip={ServerEngine.VirtualAddressText(client)}\r\n{(client.VirtualAddress6 == UInt128.Zero ? string.Empty : $">CLIENT:ENV,ifconfig_pool_remote_ip6={ServerEngine.VirtualAddress6Text(client)}\r\n")}>CLIENT:ENV,END", onlyIfConnected: true);

    public void OnClientDisconnected(ServerClient client, string reason) =>
        Send($">CLIENT:DISCONNECT,{client.Id.ToString(CultureInfo.InvariantCulture)}\r\n>CLIENT:ENV,common_name={client.CommonName}\r\n>CLIENT:ENV,bytes_received={client.BytesIn.ToString(CultureInfo.InvariantCulture)}\r\n>CLIENT:ENV,bytes_sent={client.BytesOut.ToString(CultureInfo.InvariantCulture)}\r\n>CLIENT:ENV,END", onlyIfConnected: true);

    /// <summary>Control loop, about once a second: &gt;BYTECOUNT_CLI lines.</summary>
    public void RunTimers(long nowMs, IReadOnlyList<ClientStatus> clients)
    {
        int every = _bytecountSeconds;
        if (every <= 0 || nowMs < _nextBytecountMs || _connection is null)
        {
            return;
        }

        _nextBytecountMs = nowMs + every * 1000L;
        foreach (ClientStatus c in clients)
        {
            Send($">BYTECOUNT_CLI:{c.Id.ToString(CultureInfo.InvariantCulture)},{c.BytesReceived.ToString(CultureInfo.InvariantCulture)},{c.BytesSent.ToString(CultureInfo.InvariantCulture)}");
        }
    }

    private void AcceptLoop()
    {
        while (!_disposed)
        {
            Socket connection;
            try
            {
                connection = _listener.Accept();
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                return; // closed by Dispose
            }

            try
            {
                Serve(connection);
            }
            catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
            {
                // The management client went away; wait for the next one.
            }
            finally
            {
                lock (_writeLock)
                {
                    _writer = null;
                    _connection = null;
                }

                _logRealtime = false;
                _stateRealtime = false;
                _bytecountSeconds = 0;
                connection.Dispose();
            }
        }
    }

    private void Serve(Socket connection)
    {
        using var stream = new NetworkStream(connection, ownsSocket: false);
        using var reader = new StreamReader(stream, Encoding.ASCII);
        var writer = new StreamWriter(stream, new UTF8Encoding(false)) { AutoFlush = true, NewLine = "\r\n" };
        if (_settings.Password is { } password)
        {
            writer.Write("ENTER PASSWORD:");
            string? given = reader.ReadLine();
            if (given != password)
            {
                writer.WriteLine("ERROR: bad password");
                return;
            }

            writer.WriteLine("SUCCESS: password is correct");
        }

        lock (_writeLock)
        {
            _writer = writer;
            _connection = connection;
        }

        Send(">INFO:OpenVPN Management Interface Version 5 -- type 'help' for more info");
        while (!_disposed)
        {
            string? line = reader.ReadLine();
            if (line is null)
            {
                return;
            }

            string[] words = line.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (words.Length == 0)
            {
                continue;
            }

            if (words[0] is "quit" or "exit")
            {
                return;
            }

            Send(Execute(words, out Action? afterReply));
            afterReply?.Invoke(); // after the reply is written: a shutdown closes this connection
        }
    }

    private string Execute(string[] words, out Action? afterReply)
    {
        afterReply = null;
        string arg = words.Length > 1 ? words[1] : string.Empty;
        switch (words[0])
        {
            case "help":
                return string.Join("\r\n",
                    "Management Interface for SharpVPN (OpenVPN 2.6 compatible)",
                    "Commands:",
                    "bytecount n           : Show bytes in/out, update every n secs (0=off).",
                    "client-kill CID [msg] : Kill client instance CID with message msg (default RESTART).",
                    "exit|quit             : Close management session.",
                    "help                  : Print this message.",
                    "kill cn               : Kill the client instance(s) having common name cn.",
                    "kill IP:port          : Kill the client instance connecting from IP:port.",
                    "load-stats            : Show global server load stats.",
                    "log [on|off] [N|all]  : Turn on/off realtime log display",
                    "                        + show last N lines or 'all' for entire history.",
                    "pid                   : Show process ID of the current OpenVPN process.",
                    "signal s              : Send signal s to daemon,",
                    "                        s = SIGHUP|SIGTERM|SIGUSR1|SIGUSR2.",
                    "state [on|off] [N|all]: Like log, but show state history.",
                    "status [n]            : Show current daemon status info using format #n.",
                    "version               : Show current version number.",
                    "END");
            case "version":
                return $"OpenVPN Version: {ServerEngine.Title}\r\nManagement Version: 5\r\nEND";
            case "pid":
                return $"SUCCESS: pid={Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}";
            case "status":
                int version = arg.Length == 0 ? 1 : int.TryParse(arg, NumberStyles.None, CultureInfo.InvariantCulture, out int v) && v is >= 1 and <= 3 ? v : -1;
                if (version < 0)
                {
                    return "ERROR: status command parse error";
                }

                string report = _engine.RunOnControl(() => ServerStatusFile.Format(version, _engine.SnapshotClients(), DateTimeOffset.Now, ServerEngine.Title, "\r\n"));
                return report.TrimEnd('\r', '\n');
            case "load-stats":
                return _engine.RunOnControl(() => "SUCCESS: " + _engine.LoadStatsText());
            case "state":
                return History(words, _stateHistory, on => _stateRealtime = on, "state");
            case "log":
                List<string> logs;
                lock (_historyLock)
                {
                    logs = [.. _logHistory];
                }

                return History(words, logs, on => _logRealtime = on, "log");
            case "bytecount":
                if (!int.TryParse(arg, NumberStyles.None, CultureInfo.InvariantCulture, out int seconds))
                {
                    return "ERROR: bytecount command parse error";
                }

                _bytecountSeconds = seconds;
                _nextBytecountMs = 0;
                return $"SUCCESS: bytecount interval changed";
            case "kill":
                if (arg.Length == 0)
                {
                    return "ERROR: kill command parse error";
                }

                return _engine.RunOnControl(() => _engine.ManagementKill(arg));
            case "client-kill":
                if (!long.TryParse(arg, NumberStyles.None, CultureInfo.InvariantCulture, out long clientId))
                {
                    return "ERROR: cannot parse CID";
                }

                string? killMessage = words.Length > 2 ? string.Join(' ', words.AsSpan(2)).Trim('"') : null;
                return _engine.RunOnControl(() => _engine.ManagementKillById(clientId, killMessage));
            case "signal":
                switch (arg)
                {
                    case "SIGTERM" or "SIGINT":
                        afterReply = () => _engine.RequestShutdown(arg);
                        return $"SUCCESS: signal {arg} thrown";
                    case "SIGHUP" or "SIGUSR1":
                        _engine.RequestReload();
                        return $"SUCCESS: signal {arg} thrown";
                    case "SIGUSR2":
                        _engine.RequestStatistics();
                        return $"SUCCESS: signal {arg} thrown";
                    default:
                        return $"ERROR: signal '{arg}' is not a known signal type";
                }

            default:
                return "ERROR: unknown command, enter 'help' for more options";
        }
    }

    private static string History(string[] words, IReadOnlyList<string> lines, Action<bool> realtime, string name)
    {
        var sb = new StringBuilder();
        int show = -1;
        foreach (string w in words.AsSpan(1))
        {
            switch (w)
            {
                case "on":
                    realtime(true);
                    sb.Append($"SUCCESS: real-time {name} notification set to ON\r\n");
                    break;
                case "off":
                    realtime(false);
                    sb.Append($"SUCCESS: real-time {name} notification set to OFF\r\n");
                    break;
                case "all":
                    show = int.MaxValue;
                    break;
                default:
                    if (!int.TryParse(w, NumberStyles.None, CultureInfo.InvariantCulture, out show))
                    {
                        return $"ERROR: {name} parameter must be 'on', 'off', 'all' or a number";
                    }

                    break;
            }
        }

        if (words.Length == 1)
        {
            show = 1;
        }

        if (show >= 0)
        {
            int start = Math.Max(0, lines.Count - show);
            for (int i = start; i < lines.Count; i++)
            {
                sb.Append(lines[i]).Append("\r\n");
            }

            sb.Append("END");
        }

        return sb.ToString().TrimEnd('\r', '\n');
    }

    private void Send(string text, bool onlyIfConnected = false)
    {
        _ = onlyIfConnected;
        lock (_writeLock)
        {
            if (_writer is null)
            {
                return;
            }

            try
            {
                _writer.WriteLine(text);
            }
            catch (Exception ex) when (ex is IOException or ObjectDisposedException or SocketException)
            {
                // The client went away; the accept loop cleans up.
            }
        }
    }

    private static string Now() => DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);

    public void Dispose()
    {
        _disposed = true;
        _listener.Dispose();
        lock (_writeLock)
        {
            _connection?.Dispose();
        }

        if (_settings.UnixSocketPath is { } path)
        {
            try
            {
                File.Delete(path);
            }
            catch (IOException)
            {
                // Best effort: a stale socket file is replaced at the next start.
            }
        }
    }
}

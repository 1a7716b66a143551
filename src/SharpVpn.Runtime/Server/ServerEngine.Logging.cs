using SharpVpn.Runtime.Logging;

namespace SharpVpn.Runtime.Server;

public sealed partial class ServerEngine
{
    /// <summary>Writes a log line (OpenVPN style, filtered by verb) and hands it to the management interface's log feed.</summary>
    private void LogWrite(int level, string message)
    {
        if (!_log.IsEnabled(level))
        {
            return;
        }

        _log.Write(level, message);
        _management?.OnLog(level, message);
    }

    private void LogInfo(string message) => LogWrite(LogLevel.Info, message);
}

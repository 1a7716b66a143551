using System.Globalization;

namespace SharpVpn.Runtime.Shared;

/// <summary>The 'writepid' file: written at start, removed at clean exit.</summary>
internal static class PidFile
{
    public static void Write(string? path)
    {
        if (path is null)
        {
            return;
        }
        try
        {
            File.WriteAllText(path, Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "\n");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"Cannot write the pid file '{path}' (writepid): {ex.Message}", ex);
        }
    }

    /// <summary>Removes the file; a failure is only worth a log line at exit.</summary>
    public static void Delete(string? path, Action<string> log)
    {
        if (path is null)
        {
            return;
        }
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            log($"Cannot remove the pid file '{path}': {ex.Message}");
        }
    }
}

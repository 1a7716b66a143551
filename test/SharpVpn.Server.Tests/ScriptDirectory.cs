namespace SharpVpn.Server.Tests;

/// <summary>A temporary directory for the script runner tests: /bin/sh scripts written into it, removed afterwards.</summary>
public abstract class ScriptDirectory : IDisposable
{
    protected string Dir { get; } = Directory.CreateTempSubdirectory("sv-script-").FullName;

    public void Dispose()
    {
        Directory.Delete(Dir, recursive: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Writes an executable /bin/sh script with <paramref name="body"/>; returns its path.</summary>
    protected string Script(string body)
    {
        string path = Path.Combine(Dir, $"s{Guid.NewGuid():N}.sh");
        File.WriteAllText(path, "#!/bin/sh\n" + body + "\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        return path;
    }
}

namespace SharpVpn.Pki;

/// <summary>
/// Collects every change a command makes and applies them only at <see cref="Commit"/>, so a
/// command that fails while computing (bad input, wrong passphrase) leaves the PKI untouched.
/// Each file is written to a temp file in the same directory, fsynced, then renamed over the
/// target: a reader sees the old file or the new one, never half of one.
/// </summary>
internal sealed class PkiTransaction
{
    private readonly List<Action> _steps = [];
    private readonly HashSet<string> _written = new(StringComparer.Ordinal);

    /// <summary>Mode for private keys and the other secrets.</summary>
    public const UnixFileMode SecretMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public const UnixFileMode PublicMode = SecretMode | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    public void CreateDirectory(string path, bool secret = false) => _steps.Add(() =>
    {
        if (!Directory.Exists(path))
        {
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(path);
            }
            else
            {
                Directory.CreateDirectory(path, secret ? UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                    : UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                      | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
            }
        }
    });

    public void WriteText(string path, string text, bool secret = false) =>
        Write(path, System.Text.Encoding.UTF8.GetBytes(text), secret);

    public void Write(string path, byte[] content, bool secret = false)
    {
        _written.Add(path);
        _steps.Add(() => AtomicFile.Write(path, content, secret ? SecretMode : PublicMode));
    }

    /// <summary>Moves a file if it exists (revoke/renew move files aside as easy-rsa does).</summary>
    public void MoveIfExists(string from, string to) => _steps.Add(() =>
    {
        if (File.Exists(from))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(to)!);
            File.Move(from, to, overwrite: false);
        }
    });

    public void DeleteIfExists(string path) => _steps.Add(() => File.Delete(path));

    public bool WillWrite(string path) => _written.Contains(path);

    public void Commit()
    {
        foreach (Action step in _steps)
        {
            step();
        }
        _steps.Clear();
    }
}

/// <summary>Write-temp, fsync, rename.</summary>
public static class AtomicFile
{
    public static void Write(string path, ReadOnlySpan<byte> content, UnixFileMode mode)
    {
        string dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        string temp = Path.Combine(dir, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
            if (!OperatingSystem.IsWindows())
            {
                // Created with the final mode, so a key is never readable by others, not even briefly.
                options.UnixCreateMode = mode;
            }
            using (var stream = new FileStream(temp, options))
            {
                stream.Write(content);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    public static void WriteText(string path, string text, UnixFileMode mode) =>
        Write(path, System.Text.Encoding.UTF8.GetBytes(text), mode);
}

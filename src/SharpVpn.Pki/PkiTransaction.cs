using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace SharpVpn.Pki;

/// <summary>
/// Collects every change a command makes and applies them only at <see cref="Commit"/>, so a
/// command that fails while computing (bad input, wrong passphrase) leaves the PKI untouched.
/// Commit writes each new file to a temp file beside its target, makes all of them durable with
/// one <c>syncfs(2)</c> (one journal commit instead of an fsync per file: 200 clients in seconds,
/// not tens of seconds), then renames them over their targets in order. A reader sees the old
/// file or the new one, never half of one; a crash before the renames leaves only stray temps.
/// </summary>
internal sealed partial class PkiTransaction
{
    private readonly List<Step> _steps = [];
    private readonly HashSet<string> _written = new(StringComparer.Ordinal);

    /// <summary>Mode for private keys and the other secrets.</summary>
    public const UnixFileMode SecretMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public const UnixFileMode PublicMode = SecretMode | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    private const UnixFileMode SecretDirMode = SecretMode | UnixFileMode.UserExecute;

    private const UnixFileMode PublicDirMode = SecretDirMode | UnixFileMode.GroupRead | UnixFileMode.GroupExecute
        | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    private abstract record Step;

    private sealed record MakeDir(string Path, bool Secret) : Step;

    private sealed record WriteFile(string Path, byte[] Content, bool Secret) : Step
    {
        public string? Temp { get; set; }
    }

    private sealed record Move(string From, string To) : Step;

    private sealed record Delete(string Path) : Step;

    public void CreateDirectory(string path, bool secret = false) => _steps.Add(new MakeDir(path, secret));

    public void WriteText(string path, string text, bool secret = false) =>
        Write(path, System.Text.Encoding.UTF8.GetBytes(text), secret);

    public void Write(string path, byte[] content, bool secret = false)
    {
        _written.Add(path);
        _steps.Add(new WriteFile(path, content, secret));
    }

    /// <summary>Moves a file if it exists (revoke/renew move files aside as easy-rsa does).</summary>
    public void MoveIfExists(string from, string to) => _steps.Add(new Move(from, to));

    public void DeleteIfExists(string path) => _steps.Add(new Delete(path));

    public bool WillWrite(string path) => _written.Contains(path);

    /// <summary>False skips the flush to disk (renames stay atomic); for scratch PKIs and bulk runs.</summary>
    public bool Durable { get; init; } = true;

    public void Commit()
    {
        var writes = _steps.OfType<WriteFile>().ToList();
        try
        {
            foreach (MakeDir d in _steps.OfType<MakeDir>())
            {
                MakeDirectory(d.Path, d.Secret);
            }
            foreach (WriteFile w in writes)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(w.Path)!);
                w.Temp = AtomicFile.WriteTemp(w.Path, w.Content, w.Secret ? SecretMode : PublicMode, flushToDisk: Durable && !CanSyncFs);
            }
            if (Durable && CanSyncFs && writes.Count > 0)
            {
                SyncFileSystemOf(writes[0].Temp!);
            }
        }
        catch
        {
            foreach (WriteFile w in writes.Where(w => w.Temp is not null))
            {
                File.Delete(w.Temp!);
            }
            throw;
        }

        foreach (Step step in _steps)
        {
            switch (step)
            {
                case WriteFile w:
                    File.Move(w.Temp!, w.Path, overwrite: true);
                    break;
                case Move m when File.Exists(m.From):
                    Directory.CreateDirectory(Path.GetDirectoryName(m.To)!);
                    File.Move(m.From, m.To, overwrite: false);
                    break;
                case Delete del:
                    File.Delete(del.Path);
                    break;
            }
        }
        _steps.Clear();
    }

    private static void MakeDirectory(string path, bool secret)
    {
        if (Directory.Exists(path))
        {
            return;
        }
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
        }
        else
        {
            Directory.CreateDirectory(path, secret ? SecretDirMode : PublicDirMode);
        }
    }

    private static bool CanSyncFs => OperatingSystem.IsLinux();

    private static void SyncFileSystemOf(string path)
    {
        using SafeFileHandle handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read);
        if (SyncFs((int)handle.DangerousGetHandle()) != 0)
        {
            throw new IOException($"syncfs failed for {path} (errno {Marshal.GetLastPInvokeError()}).");
        }
    }

    [LibraryImport("libc", EntryPoint = "syncfs", SetLastError = true)]
    private static partial int SyncFs(int fd);
}

/// <summary>Write-temp, fsync, rename.</summary>
public static class AtomicFile
{
    public static void Write(string path, ReadOnlySpan<byte> content, UnixFileMode mode)
    {
        string temp = WriteTemp(path, content, mode, flushToDisk: true);
        try
        {
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

    /// <summary>Writes a new temp file next to <paramref name="path"/> and returns its name.</summary>
    internal static string WriteTemp(string path, ReadOnlySpan<byte> content, UnixFileMode mode, bool flushToDisk)
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
            using var stream = new FileStream(temp, options);
            stream.Write(content);
            stream.Flush(flushToDisk);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
        return temp;
    }
}

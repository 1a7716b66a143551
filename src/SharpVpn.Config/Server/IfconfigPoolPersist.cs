using System.Net;
using System.Net.Sockets;
using System.Text;

namespace SharpVpn.Config;

/// <summary>One line of an ifconfig-pool-persist file: CN, the IPv4 pool base address, the IPv6 address (empty without an IPv6 pool).</summary>
public sealed record PoolPersistEntry(string CommonName, IPAddress? Address, IPAddress? Ipv6Address = null);

/// <summary>
/// The <c>ifconfig-pool-persist</c> file exactly as OpenVPN 2.6 reads and writes it (pool.c
/// <c>ifconfig_pool_read</c>, <c>ifconfig_pool_list</c>): one <c>CN,IPv4,IPv6</c> line per client,
/// written with <c>"%s,%s,%s"</c>, so without IPv6 a line ends with a comma (<c>client1,10.0.1.4,</c>).
/// The IPv4 value is the pool entry's base address: for net30 the /30 block base (client 10.0.1.6 is
/// stored as 10.0.1.4, see <see cref="PoolAssignment.BaseAddress"/>), otherwise the client address.
/// Reading accepts <c>CN,IP4,IP6</c>, <c>CN,IP4</c> and <c>CN,,IP6</c>; blank lines and lines starting
/// with '#' or ';' are skipped; invalid addresses are skipped (OpenVPN warns and goes on).
/// </summary>
public static class IfconfigPoolPersist
{
    /// <summary>Entries of the file; a missing file is an empty list (first start).</summary>
    public static IReadOnlyList<PoolPersistEntry> Read(string path)
    {
        try
        {
            return Parse(File.ReadAllText(path));
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return [];
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException($"{path}: ifconfig-pool-persist file could not be read: {ex.Message}", ex);
        }
    }

    public static IReadOnlyList<PoolPersistEntry> Parse(string text)
    {
        var entries = new List<PoolPersistEntry>();
        foreach (string rawLine in text.Split('\n'))
        {
            string line = rawLine.TrimEnd('\r');
            if (line.Length == 0 || line[0] is '#' or ';')
            {
                continue;
            }

            string[] fields = line.Split(',');
            if (fields.Length < 2 || fields[0].Length == 0)
            {
                continue;
            }

            IPAddress? v4 = fields[1].Length > 0 && Ipv4.TryParse(fields[1], out IPAddress? a) ? a : null;
            IPAddress? v6 = null;
            if (fields.Length > 2 && fields[2].Length > 0 && IPAddress.TryParse(fields[2], out IPAddress? b) && b.AddressFamily == AddressFamily.InterNetworkV6)
            {
                v6 = b;
            }

            if (v4 is null && v6 is null)
            {
                continue;
            }

            entries.Add(new PoolPersistEntry(fields[0], v4, v6));
        }

        return entries;
    }

    /// <summary>The file content; entries whose CN cannot be stored (comma, line break) are left out.</summary>
    public static string Format(IEnumerable<PoolPersistEntry> entries)
    {
        var sb = new StringBuilder();
        foreach (PoolPersistEntry e in entries)
        {
            if (e.CommonName.Length == 0 || e.CommonName.AsSpan().IndexOfAny(",\r\n") >= 0)
            {
                continue;
            }

            sb.Append(e.CommonName).Append(',').Append(e.Address?.ToString()).Append(',').Append(e.Ipv6Address?.ToString()).Append('\n');
        }

        return sb.ToString();
    }

    /// <summary>
    /// Writes atomically: a temporary file in the same directory, flushed to disk, then renamed over
    /// the target, so a crash leaves either the old or the new file, never a torn one.
    /// </summary>
    public static void Write(string path, IEnumerable<PoolPersistEntry> entries)
    {
        string content = Format(entries);
        string full = Path.GetFullPath(path);
        string dir = Path.GetDirectoryName(full) ?? ".";
        string tmp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                byte[] bytes = Encoding.UTF8.GetBytes(content);
                fs.Write(bytes);
                fs.Flush(flushToDisk: true);
            }

            File.Move(tmp, full, overwrite: true);
        }
        catch
        {
            // Do not leave the temporary file behind; the original file is untouched.
            TryDelete(tmp);
            throw;
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Nothing more to do; a stray temp file is harmless.
        }
        catch (UnauthorizedAccessException)
        {
            // Same as above.
        }
    }
}

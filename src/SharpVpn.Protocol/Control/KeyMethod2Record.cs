using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace SharpVpn.Protocol.Control;

/// <summary>Result of <see cref="KeyMethod2Record.TryParse"/> on a partial plaintext stream.</summary>
public enum KeyMethod2ParseStatus
{
    Complete,
    NeedMoreData,
    Malformed,
}

/// <summary>
/// The key-method-2 record each side writes as its first TLS application data
/// (openvpn-protocol.md §7.1; src/openvpn/ssl.c <c>key_method_2_write</c>, <c>key_method_2_read</c>).
/// <code>
/// size   field
/// 4      00 00 00 00          literal zero (ignored by readers)
/// 1      02                   key method (low 4 bits = 2)
/// 48     pre_master           client only
/// 32     random1
/// 32     random2
/// 2+n    options string       u16 n (incl. NUL) || bytes || 00
/// 2+n    username             u16 n || bytes incl. NUL, or u16 0
/// 2+n    password             u16 n || bytes incl. NUL, or u16 0
/// 2+n    peer-info            u16 n || bytes incl. NUL, or u16 0
/// </code>
/// </summary>
public sealed class KeyMethod2Record
{
    public const int PreMasterBytes = 48;
    public const int RandomBytes = 32;

    /// <summary>OpenVPN's TLS_OPTIONS_LEN: longer options strings are fatal for the reader.</summary>
    public const int MaxOptionsBytes = 512;

    /// <summary>OpenVPN's USER_PASS_LEN (without PKCS#11): longer credentials are refused.</summary>
    public const int MaxCredentialBytes = 128;

    /// <summary>Our bound on a whole record (OpenVPN's TLS plaintext buffer is 2048; peer-info may be long with GUIs).</summary>
    public const int MaxRecordBytes = 8192;

    private const int HeaderBytes = 5;

    /// <summary>48-byte pre-master secret; present only in the client's record.</summary>
    public byte[]? PreMaster { get; init; }

    public required byte[] Random1 { get; init; }

    public required byte[] Random2 { get; init; }

    /// <summary>The OCC options string (§7.3), without the NUL.</summary>
    public required string Options { get; init; }

    public string? Username { get; init; }

    public string? Password { get; init; }

    /// <summary>Peer-info lines (§7.4) as sent, "NAME=value\n" each; null when empty.</summary>
    public string? PeerInfo { get; init; }

    public bool IsClientRecord => PreMaster is not null;

    /// <summary>A client record with fresh randoms.</summary>
    public static KeyMethod2Record CreateClient(string options, string? username, string? password, string? peerInfo) => new()
    {
        PreMaster = RandomNumberGenerator.GetBytes(PreMasterBytes),
        Random1 = RandomNumberGenerator.GetBytes(RandomBytes),
        Random2 = RandomNumberGenerator.GetBytes(RandomBytes),
        Options = options,
        Username = username,
        Password = password,
        PeerInfo = peerInfo,
    };

    /// <summary>A server record with fresh randoms; a p2mp server sends no credentials and no peer-info.</summary>
    public static KeyMethod2Record CreateServer(string options) => new()
    {
        Random1 = RandomNumberGenerator.GetBytes(RandomBytes),
        Random2 = RandomNumberGenerator.GetBytes(RandomBytes),
        Options = options,
    };

    /// <summary>Serializes the record (one TLS write, as OpenVPN does).</summary>
    public byte[] ToBytes()
    {
        var buffer = new List<byte>(512);
        buffer.AddRange(new byte[] { 0, 0, 0, 0, 2 });
        if (PreMaster is not null)
        {
            buffer.AddRange(PreMaster);
        }
        buffer.AddRange(Random1);
        buffer.AddRange(Random2);
        WriteString(buffer, Options);
        WriteString(buffer, Username);
        WriteString(buffer, Password);
        WriteString(buffer, PeerInfo);
        return buffer.ToArray();
    }

    /// <summary>
    /// Parses a record from the start of <paramref name="data"/>. <paramref name="fromClient"/> says whether the
    /// pre-master is present. Returns <see cref="KeyMethod2ParseStatus.NeedMoreData"/> if the record is incomplete.
    /// </summary>
    public static KeyMethod2ParseStatus TryParse(ReadOnlySpan<byte> data, bool fromClient,
        out KeyMethod2Record? record, out int consumed, out string? error)
    {
        record = null;
        consumed = 0;
        error = null;
        int fixedBytes = HeaderBytes + (fromClient ? PreMasterBytes : 0) + (2 * RandomBytes);
        if (data.Length < fixedBytes)
        {
            return Incomplete(data, out error);
        }
        if ((data[4] & 0x0F) != 2)
        {
            error = $"Peer used key method {data[4] & 0x0F}; only key method 2 is supported.";
            return KeyMethod2ParseStatus.Malformed;
        }
        int pos = HeaderBytes;
        byte[]? preMaster = null;
        if (fromClient)
        {
            preMaster = data.Slice(pos, PreMasterBytes).ToArray();
            pos += PreMasterBytes;
        }
        byte[] random1 = data.Slice(pos, RandomBytes).ToArray();
        pos += RandomBytes;
        byte[] random2 = data.Slice(pos, RandomBytes).ToArray();
        pos += RandomBytes;

        var status = ReadString(data, ref pos, MaxOptionsBytes, "options string", out string? options, out error);
        if (status != KeyMethod2ParseStatus.Complete)
        {
            return status;
        }
        string? username = null;
        string? password = null;
        string? peerInfo = null;
        // The server's record may end after the options in very old peers; treat missing tails as empty only
        // when the stream holds nothing more (handled by NeedMoreData: OpenVPN always writes all four strings).
        status = ReadString(data, ref pos, MaxCredentialBytes, "username", out username, out error);
        if (status != KeyMethod2ParseStatus.Complete)
        {
            return status;
        }
        status = ReadString(data, ref pos, MaxCredentialBytes, "password", out password, out error);
        if (status != KeyMethod2ParseStatus.Complete)
        {
            return status;
        }
        status = ReadString(data, ref pos, MaxRecordBytes, "peer-info", out peerInfo, out error);
        if (status != KeyMethod2ParseStatus.Complete)
        {
            return status;
        }
        record = new KeyMethod2Record
        {
            PreMaster = preMaster,
            Random1 = random1,
            Random2 = random2,
            Options = options ?? string.Empty,
            Username = username,
            Password = password,
            PeerInfo = peerInfo,
        };
        consumed = pos;
        return KeyMethod2ParseStatus.Complete;
    }

    private static KeyMethod2ParseStatus Incomplete(ReadOnlySpan<byte> data, out string? error)
    {
        error = data.Length > MaxRecordBytes ? $"Key method 2 record longer than {MaxRecordBytes} bytes." : null;
        return error is null ? KeyMethod2ParseStatus.NeedMoreData : KeyMethod2ParseStatus.Malformed;
    }

    private static void WriteString(List<byte> buffer, string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            // An absent string is a zero length without bytes (pitfall 25).
            buffer.Add(0);
            buffer.Add(0);
            return;
        }
        byte[] bytes = Encoding.UTF8.GetBytes(value);
        int n = bytes.Length + 1;
        buffer.Add((byte)(n >> 8));
        buffer.Add((byte)n);
        buffer.AddRange(bytes);
        buffer.Add(0);
    }

    private static KeyMethod2ParseStatus ReadString(ReadOnlySpan<byte> data, ref int pos, int max, string what,
        out string? value, out string? error)
    {
        value = null;
        error = null;
        if (data.Length - pos < 2)
        {
            return Incomplete(data, out error);
        }
        int n = BinaryPrimitives.ReadUInt16BigEndian(data[pos..]);
        if (n > max)
        {
            error = $"Key method 2 {what} is {n} bytes; at most {max} are allowed.";
            return KeyMethod2ParseStatus.Malformed;
        }
        if (data.Length - pos - 2 < n)
        {
            return Incomplete(data, out error);
        }
        ReadOnlySpan<byte> raw = data.Slice(pos + 2, n);
        pos += 2 + n;
        // OpenVPN forces the last byte to NUL (read_string); accept a missing terminator the same way.
        int nul = raw.IndexOf((byte)0);
        ReadOnlySpan<byte> text = nul >= 0 ? raw[..nul] : raw[..Math.Max(0, n - 1)];
        value = text.IsEmpty ? null : Encoding.UTF8.GetString(text);
        return KeyMethod2ParseStatus.Complete;
    }
}

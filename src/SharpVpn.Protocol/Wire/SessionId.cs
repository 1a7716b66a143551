using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;

namespace SharpVpn.Protocol.Wire;

/// <summary>
/// An 8-byte OpenVPN session id, held as the big-endian value of its bytes (openvpn-protocol.md §3.2).
/// All zeros means "undefined" and is rejected on receive.
/// </summary>
public readonly record struct SessionId(ulong Value)
{
    /// <summary>The undefined (all-zero) id.</summary>
    public static SessionId Zero => default;

    /// <summary>True for the undefined id.</summary>
    public bool IsZero => Value == 0;

    /// <summary>A random non-zero id.</summary>
    public static SessionId NewRandom()
    {
        Span<byte> b = stackalloc byte[ProtocolConstants.SessionIdBytes];
        ulong v;
        do
        {
            RandomNumberGenerator.Fill(b);
            v = BinaryPrimitives.ReadUInt64BigEndian(b);
        }
        while (v == 0);
        return new SessionId(v);
    }

    /// <summary>Reads 8 bytes; the span must hold at least 8.</summary>
    public static SessionId Read(ReadOnlySpan<byte> source) => new(BinaryPrimitives.ReadUInt64BigEndian(source));

    /// <summary>Writes the 8 bytes; the span must hold at least 8.</summary>
    public void WriteTo(Span<byte> destination) => BinaryPrimitives.WriteUInt64BigEndian(destination, Value);

    /// <summary>Lower-case hex of the 8 bytes, as OpenVPN logs it.</summary>
    public override string ToString() => Value.ToString("x16", CultureInfo.InvariantCulture);
}

using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace SharpVpn.Config;

/// <summary>
/// Strict IPv4 helpers. <see cref="IPAddress.TryParse(string, out IPAddress)"/> accepts forms like
/// "1" or "10.1" (inet_aton style); config values and pushed options must be four dotted decimals.
/// </summary>
public static class Ipv4
{
    public static bool TryParse([NotNullWhen(true)] string? text, out uint address)
    {
        address = 0;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        string[] parts = text.Split('.');
        if (parts.Length != 4)
        {
            return false;
        }

        foreach (string part in parts)
        {
            if (part.Length is 0 or > 3 || !part.All(char.IsAsciiDigit))
            {
                return false;
            }

            int value = int.Parse(part, NumberStyles.None, CultureInfo.InvariantCulture);
            if (value > 255)
            {
                return false;
            }

            address = (address << 8) | (uint)value;
        }

        return true;
    }

    public static bool TryParse([NotNullWhen(true)] string? text, [NotNullWhen(true)] out IPAddress? address)
    {
        if (TryParse(text, out uint value))
        {
            address = ToAddress(value);
            return true;
        }

        address = null;
        return false;
    }

    public static IPAddress ToAddress(uint value) =>
        new([(byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value]);

    public static uint ToUInt32(IPAddress address)
    {
        if (address.AddressFamily != AddressFamily.InterNetwork)
        {
            throw new ArgumentException("not an IPv4 address", nameof(address));
        }

        byte[] b = address.GetAddressBytes();
        return ((uint)b[0] << 24) | ((uint)b[1] << 16) | ((uint)b[2] << 8) | b[3];
    }

    public static string Format(uint value) =>
        string.Create(CultureInfo.InvariantCulture, $"{value >> 24}.{(value >> 16) & 255}.{(value >> 8) & 255}.{value & 255}");

    /// <summary>True for contiguous masks (255.255.255.0, 0.0.0.0, 255.255.255.255).</summary>
    public static bool IsNetmask(uint mask) => (~mask & (~mask + 1)) == 0;

    /// <summary>Prefix length of a contiguous netmask.</summary>
    public static int PrefixLength(uint mask) => System.Numerics.BitOperations.PopCount(mask);

    public static uint MaskFromPrefix(int prefix) => prefix == 0 ? 0 : uint.MaxValue << (32 - prefix);
}

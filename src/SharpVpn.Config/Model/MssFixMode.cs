namespace SharpVpn.Config;

/// <summary>
/// What the number of <c>mssfix N</c> counts (OpenVPN 2.6 manual, --mssfix; mtu.c frame_calculate_mssfix).
/// </summary>
public enum MssFixMode
{
    /// <summary><c>mssfix N</c>: N is the largest UDP/TCP payload, i.e. the encrypted packet.</summary>
    Payload,

    /// <summary><c>mssfix N mtu</c>: N also counts the encapsulating IP and UDP headers (the default is 1492 mtu).</summary>
    Mtu,

    /// <summary><c>mssfix N fixed</c>: N is the largest inner IP packet; no encryption overhead is subtracted.</summary>
    Fixed,
}

namespace SharpVpn.Platform.Tun;

/// <summary>
/// A layer-3 TUN device: whole IPv4/IPv6 packets in and out, no packet-information header.
/// Shaped like wireguard-go tun/tun.go: single-packet calls plus batch-shaped ones, so batching
/// (IFF_VNET_HDR offload) can come later without touching callers.
/// Read from one dedicated thread and write from any one thread; neither allocates.
/// </summary>
public interface ITunDevice : IDisposable
{
    /// <summary>The interface name the kernel gave (e.g. "tun0").</summary>
    string Name { get; }

    /// <summary>
    /// Blocks until one packet arrives and copies it into <paramref name="packet"/>.
    /// Returns its length, or 0 once the device is disposed (the read unblocks at once).
    /// A packet larger than the buffer is truncated by the kernel; size buffers to MTU + headroom.
    /// </summary>
    int Read(Span<byte> packet);

    /// <summary>
    /// Blocks until at least one packet arrives, then takes whatever else is already queued
    /// without blocking: packet i goes to <c>buffers[i][offset..]</c> and its length to <c>sizes[i]</c>.
    /// Returns the number of packets read (at most <c>min(buffers.Length, sizes.Length)</c>), or 0 once disposed.
    /// </summary>
    int Read(ReadOnlySpan<byte[]> buffers, Span<int> sizes, int offset);

    /// <summary>
    /// Hands one IP packet to the kernel. Returns false when the kernel refused this packet
    /// (not an IP packet, interface down, no memory): count it as a drop, it is not an error of the device.
    /// Throws <see cref="ObjectDisposedException"/> after dispose and <see cref="IOException"/> if the fd broke.
    /// </summary>
    bool Write(ReadOnlySpan<byte> packet);

    /// <summary>
    /// True when the device was opened with IFF_VNET_HDR offloads: reads still return plain packets, and
    /// <see cref="WriteOffloaded"/> takes TCP super-segments (see <see cref="TunWriteBatch"/>).
    /// </summary>
    bool OffloadEnabled { get; }

    /// <summary>Writes one packet described by a virtio_net_hdr (GSO super-segment or partial checksum); needs <see cref="OffloadEnabled"/>.</summary>
    bool WriteOffloaded(in TunOffload.VirtioNetHeader header, ReadOnlySpan<byte> packet);

    /// <summary>Writes <c>buffers[i][offset..offset+sizes[i]]</c> for each i; returns how many the kernel accepted.</summary>
    int Write(ReadOnlySpan<byte[]> buffers, ReadOnlySpan<int> sizes, int offset);
}

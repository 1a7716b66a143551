namespace SharpVpn.Runtime.DataPath;

/// <summary>
/// Receives the batches a <see cref="TunReadLoop"/> or <see cref="LinkReceiveLoop"/> read, on that loop's
/// thread. Packet i is <c>buffers[i][offset..offset+sizes[i]]</c>; the buffers stay the loop's (copy or
/// finish with a packet before returning). A client handles each packet in place; a server groups the batch
/// by peer first.
/// </summary>
public interface IPacketBatchHandler
{
    void OnBatch(byte[][] buffers, ReadOnlySpan<int> sizes, int count, int offset);
}

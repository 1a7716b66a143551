using System.Collections.Concurrent;

namespace SharpVpn.Runtime.DataPath;

/// <summary>
/// Fixed-size packet buffers, pinned on the POH so native send/recv/read/write can use them without
/// pinning per call (style.md §6; model: wireguard-go device/pools.go, Kestrel PinnedBlockMemoryPool).
/// The pool keeps at most <see cref="MaxPooled"/> idle buffers; a loop rents its batch once and keeps
/// it, so the steady state allocates nothing. Thread-safe.
/// </summary>
public sealed class PacketBufferPool
{
    private readonly ConcurrentQueue<byte[]> _idle = new();
    private int _idleCount;
    private long _allocated;

    public PacketBufferPool(int bufferBytes, int maxPooled = 1024)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bufferBytes, 256);
        BufferBytes = bufferBytes;
        MaxPooled = maxPooled;
    }

    /// <summary>Length of every buffer.</summary>
    public int BufferBytes { get; }

    public int MaxPooled { get; }

    /// <summary>Buffers created so far (a growing number under steady load means a leak).</summary>
    public long Allocated => Interlocked.Read(ref _allocated);

    public byte[] Rent()
    {
        if (_idle.TryDequeue(out byte[]? buffer))
        {
            Interlocked.Decrement(ref _idleCount);
            return buffer;
        }

        return Allocate();
    }

    /// <summary>
    /// Creates buffers until <paramref name="count"/> are idle (at most <see cref="MaxPooled"/>), so that the next
    /// rents take them instead of allocating: a pinned allocation clears fresh memory, and a thread with time to
    /// spare can do that ahead of the one that will need the buffers (the client's TUN loops, made ahead with the
    /// TUN device instead of on the way to "Initialization Sequence Completed").
    /// </summary>
    public void Prefill(int count)
    {
        int target = Math.Min(count, MaxPooled);
        while (Volatile.Read(ref _idleCount) < target)
        {
            Return(Allocate());
        }
    }

    /// <summary>Rents <paramref name="count"/> buffers for a batch-shaped loop.</summary>
    public byte[][] RentBatch(int count)
    {
        var batch = new byte[count][];
        for (int i = 0; i < count; i++)
        {
            batch[i] = Rent();
        }

        return batch;
    }

    public void Return(byte[] buffer)
    {
        if (buffer.Length != BufferBytes)
        {
            throw new ArgumentException($"A {buffer.Length}-byte buffer does not belong to this pool of {BufferBytes}-byte buffers.", nameof(buffer));
        }

        if (Interlocked.Increment(ref _idleCount) > MaxPooled)
        {
            Interlocked.Decrement(ref _idleCount);
            return; // Over the cap: let the GC have it.
        }

        _idle.Enqueue(buffer);
    }

    private byte[] Allocate()
    {
        Interlocked.Increment(ref _allocated);
        return GC.AllocateUninitializedArray<byte>(BufferBytes, pinned: true);
    }

    public void ReturnBatch(byte[][] batch)
    {
        foreach (byte[] buffer in batch)
        {
            Return(buffer);
        }
    }
}

using System.Buffers;

namespace SharpVpn.Tls;

/// <summary>
/// A growable FIFO of bytes (ring buffer). Not thread-safe; callers lock. The storage is rented from
/// <see cref="ArrayPool{T}.Shared"/> when bytes arrive and returned as soon as the queue is empty: a TLS session
/// is busy only during its handshake, and a server holds thousands of idle ones.
/// </summary>
internal sealed class ByteQueue
{
    private const int MinimumBytes = 2048;

    private byte[] _buffer = [];
    private int _head;
    private int _count;

    public int Count => _count;

    public void Enqueue(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            return;
        }
        if (_count + data.Length > _buffer.Length)
        {
            Grow(_count + data.Length);
        }
        int tail = (_head + _count) % _buffer.Length;
        int first = Math.Min(data.Length, _buffer.Length - tail);
        data[..first].CopyTo(_buffer.AsSpan(tail));
        data[first..].CopyTo(_buffer);
        _count += data.Length;
    }

    public int Dequeue(Span<byte> destination)
    {
        int n = Peek(destination);
        Skip(n);
        return n;
    }

    /// <summary>Copies up to destination.Length bytes without removing them.</summary>
    public int Peek(Span<byte> destination)
    {
        int n = Math.Min(destination.Length, _count);
        if (n == 0)
        {
            return 0;
        }
        int first = Math.Min(n, _buffer.Length - _head);
        _buffer.AsSpan(_head, first).CopyTo(destination);
        _buffer.AsSpan(0, n - first).CopyTo(destination[first..]);
        return n;
    }

    public void Skip(int count)
    {
        count = Math.Min(count, _count);
        if (count == 0)
        {
            return;
        }
        _head = (_head + count) % _buffer.Length;
        _count -= count;
        if (_count == 0)
        {
            Release();
        }
    }

    /// <summary>Returns the storage to the pool (the queue stays usable).</summary>
    public void Release()
    {
        if (_buffer.Length > 0)
        {
            // Plaintext and key material pass through here: clear before the array goes back to the shared pool.
            ArrayPool<byte>.Shared.Return(_buffer, clearArray: true);
        }
        _buffer = [];
        _head = 0;
        _count = 0;
    }

    private void Grow(int needed)
    {
        byte[] bigger = ArrayPool<byte>.Shared.Rent(Math.Max(needed, Math.Max(MinimumBytes, _buffer.Length * 2)));
        int n = Peek(bigger);
        if (_buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_buffer, clearArray: true);
        }
        _buffer = bigger;
        _head = 0;
        _count = n;
    }
}

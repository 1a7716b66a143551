namespace SharpVpn.Tls;

/// <summary>A growable FIFO of bytes (ring buffer). Not thread-safe; callers lock.</summary>
internal sealed class ByteQueue
{
    private byte[] _buffer = new byte[4096];
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
        int n = Math.Min(destination.Length, _count);
        int first = Math.Min(n, _buffer.Length - _head);
        _buffer.AsSpan(_head, first).CopyTo(destination);
        _buffer.AsSpan(0, n - first).CopyTo(destination[first..]);
        _head = (_head + n) % _buffer.Length;
        _count -= n;
        if (_count == 0)
        {
            _head = 0;
        }
        return n;
    }

    /// <summary>Copies up to destination.Length bytes without removing them.</summary>
    public int Peek(Span<byte> destination)
    {
        int n = Math.Min(destination.Length, _count);
        int first = Math.Min(n, _buffer.Length - _head);
        _buffer.AsSpan(_head, first).CopyTo(destination);
        _buffer.AsSpan(0, n - first).CopyTo(destination[first..]);
        return n;
    }

    public void Skip(int count)
    {
        count = Math.Min(count, _count);
        _head = (_head + count) % _buffer.Length;
        _count -= count;
        if (_count == 0)
        {
            _head = 0;
        }
    }

    private void Grow(int needed)
    {
        int size = _buffer.Length;
        while (size < needed)
        {
            size *= 2;
        }
        var bigger = new byte[size];
        Peek(bigger);
        _buffer = bigger;
        _head = 0;
    }
}

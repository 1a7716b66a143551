namespace SharpVpn.Tls;

/// <summary>
/// The "network" under SslStream: reads come from ciphertext the caller fed in, writes go to an
/// outgoing queue the caller drains. A read with nothing buffered stays pending (it is how SslStream
/// says "I need more input") until <see cref="Feed"/> supplies bytes or the stream is closed.
/// </summary>
internal sealed class InMemoryDuplexStream : Stream
{
    private readonly object _lock = new();
    private readonly ByteQueue _incoming = new();
    private readonly ByteQueue _outgoing = new();
    private TaskCompletionSource<int>? _pendingRead;
    private Memory<byte> _pendingBuffer;
    private bool _closed;

    /// <summary>Raised (under no lock) whenever a read starts waiting; the engine uses it to detect quiescence.</summary>
    public event Action? ReadBlocked;

    /// <summary>True when SslStream is waiting for input and none is buffered.</summary>
    public bool IsStarved
    {
        get
        {
            lock (_lock)
            {
                return _pendingRead is not null && _incoming.Count == 0;
            }
        }
    }

    public int OutgoingCount
    {
        get
        {
            lock (_lock)
            {
                return _outgoing.Count;
            }
        }
    }

    public int TakeOutgoing(Span<byte> destination)
    {
        lock (_lock)
        {
            return _outgoing.Dequeue(destination);
        }
    }

    /// <summary>Adds peer ciphertext; completes a waiting read, whose continuations (SslStream's work) run inline on this thread.</summary>
    public void Feed(ReadOnlySpan<byte> data)
    {
        TaskCompletionSource<int>? toComplete = null;
        int n = 0;
        lock (_lock)
        {
            if (_closed)
            {
                return;
            }
            _incoming.Enqueue(data);
            if (_pendingRead is not null && _incoming.Count > 0)
            {
                n = _incoming.Dequeue(_pendingBuffer.Span);
                toComplete = _pendingRead;
                _pendingRead = null;
                _pendingBuffer = default;
            }
        }
        if (toComplete is not null)
        {
            InlineContinuations.Run(static state => state.Source.SetResult(state.Count), (Source: toComplete, Count: n));
        }
    }

    /// <summary>Ends the stream: a waiting read returns 0 (EOF).</summary>
    public void EndOfInput()
    {
        TaskCompletionSource<int>? toComplete;
        lock (_lock)
        {
            _closed = true;
            toComplete = _pendingRead;
            _pendingRead = null;
            _pendingBuffer = default;
        }
        if (toComplete is not null)
        {
            InlineContinuations.Run(static source => source.TrySetResult(0), toComplete);
        }
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Task<int> task;
        lock (_lock)
        {
            if (_incoming.Count > 0)
            {
                return new ValueTask<int>(_incoming.Dequeue(buffer.Span));
            }
            if (_closed)
            {
                return new ValueTask<int>(0);
            }
            if (_pendingRead is not null)
            {
                throw new InvalidOperationException("SslStream issued two concurrent reads on the in-memory stream.");
            }
            // Continuations run synchronously inside Feed (on the caller's thread, see InlineContinuations);
            // the engine still waits for quiescence in case the runtime schedules them elsewhere.
            _pendingRead = new TaskCompletionSource<int>();
            _pendingBuffer = buffer;
            task = _pendingRead.Task;
        }
        ReadBlocked?.Invoke();
        return new ValueTask<int>(task);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        lock (_lock)
        {
            _outgoing.Enqueue(buffer);
        }
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Write(buffer.Span);
        return ValueTask.CompletedTask;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        Write(buffer.AsSpan(offset, count));
        return Task.CompletedTask;
    }

    public override int Read(byte[] buffer, int offset, int count)
        => throw new NotSupportedException("The in-memory TLS transport is read asynchronously only.");

    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override bool CanRead => true;

    public override bool CanWrite => true;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            lock (_lock)
            {
                _closed = true;
                _incoming.Release();
                _outgoing.Release();
            }
        }
        base.Dispose(disposing);
    }
}

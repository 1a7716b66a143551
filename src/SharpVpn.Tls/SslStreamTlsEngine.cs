using System.Buffers;
using System.Net.Security;
using System.Runtime.ExceptionServices;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace SharpVpn.Tls;

/// <summary>
/// <see cref="ITlsEngine"/> over <see cref="SslStream"/> on an <see cref="InMemoryDuplexStream"/>.
/// </summary>
/// <remarks>
/// SslStream is async; this class makes it step-wise. One driver task runs the handshake and then a
/// plaintext read loop; its only suspension point is a read from the in-memory stream. Every public
/// call ends by waiting until the driver is "quiescent": it finished, or it waits for input that is
/// not there. Continuations run inline inside <see cref="FeedCiphertext"/> (the pending read is completed
/// synchronously with the caller's SynchronizationContext set aside, <see cref="InlineContinuations"/>), so
/// the wait is just a check: a call never blocks for a thread-pool work item, which under load can take a
/// second to get a thread. Should the runtime still schedule them elsewhere, the wait covers that. Plaintext writes happen on the caller's thread with the
/// synchronous <see cref="SslStream.Write(byte[], int, int)"/> (one read and one write may overlap in SslStream).
/// </remarks>
public sealed class SslStreamTlsEngine : ITlsEngine
{
    private const int ReadChunkBytes = 16 * 1024 + 512;

    private readonly TlsEngineOptions _options;
    private readonly InMemoryDuplexStream _transport = new();
    private readonly SslStream _ssl;
    private readonly PeerCertificateValidator _validator;
    private readonly Func<IReadOnlyList<X509Certificate2>, string?>? _extraCheck;
    private readonly object _sync = new();
    private readonly ByteQueue _plaintext = new();
    private readonly Queue<byte[]> _queuedWrites = new();
    private Task? _driver;
    private volatile bool _handshakeComplete;
    private Exception? _failure;
    private string? _rejectReason;
    private X509Certificate2? _peerCertificate;
    private bool _disposed;
    private bool _driverFinished;

    /// <param name="extraCheck">
    /// Runs after OpenVPN's own checks passed, with the peer's chain leaf first (tls-verify); returns why it refuses,
    /// or null. It runs inside the handshake, so a refusal fails the handshake as OpenVPN's verify callback does.
    /// </param>
    public SslStreamTlsEngine(TlsEngineOptions options, Func<IReadOnlyList<X509Certificate2>, string?>? extraCheck = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _extraCheck = extraCheck;
        _validator = new PeerCertificateValidator(options);
        _ssl = new SslStream(_transport, leaveInnerStreamOpen: true, ValidatePeer);
        _transport.ReadBlocked += PulseWaiters;
    }

    public bool IsServer => _options.IsServer;

    public bool IsHandshakeComplete => _handshakeComplete && Failure is null;

    public X509Certificate2? PeerCertificate => _handshakeComplete ? _peerCertificate : null;

    public string? ConnectionDescription =>
        _handshakeComplete ? $"{ProtocolName(_ssl.SslProtocol)}, cipher {CipherSuiteName(_ssl.NegotiatedCipherSuite)}" : null;

    public Exception? Failure
    {
        get
        {
            lock (_sync)
            {
                return _failure;
            }
        }
    }

    public int PendingCiphertextBytes => _transport.OutgoingCount;

    public int PendingPlaintextBytes
    {
        get
        {
            lock (_sync)
            {
                return _plaintext.Count;
            }
        }
    }

    public void Start()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_driver is not null)
        {
            return; // Started ahead of time (a client's first engine is prepared early).
        }
        _driver = RunAsync();
        _ = _driver.ContinueWith(OnDriverFinished, CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        WaitQuiescent();
    }

    public void FeedCiphertext(ReadOnlySpan<byte> ciphertext)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_driver is null)
        {
            throw new InvalidOperationException("Start the TLS engine before feeding it.");
        }
        if (ciphertext.IsEmpty || Failure is not null)
        {
            return;
        }
        _transport.Feed(ciphertext);
        WaitQuiescent();
        FlushQueuedWrites();
    }

    public int TakeCiphertext(Span<byte> destination) => _transport.TakeOutgoing(destination);

    public int ReadPlaintext(Span<byte> destination)
    {
        lock (_sync)
        {
            return _plaintext.Dequeue(destination);
        }
    }

    public void WritePlaintext(ReadOnlySpan<byte> plaintext)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (Failure is not null)
        {
            return;
        }
        _queuedWrites.Enqueue(plaintext.ToArray());
        FlushQueuedWrites();
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        _transport.EndOfInput();
        // The driver sees EOF and ends; wait briefly so SslStream is not disposed under a running read.
        try
        {
            _driver?.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // Expected: the driver ends with the EOF/handshake error; nothing left to report after Dispose.
        }
        _ssl.Dispose();
        _transport.Dispose();
        lock (_sync)
        {
            _plaintext.Release();
        }
    }

    private async Task RunAsync()
    {
        if (_options.IsServer)
        {
            await _ssl.AuthenticateAsServerAsync(BuildServerOptions()).ConfigureAwait(false);
        }
        else
        {
            await _ssl.AuthenticateAsClientAsync(BuildClientOptions()).ConfigureAwait(false);
        }
        _handshakeComplete = true;
        while (true)
        {
            // A zero-byte read waits for the next record without holding a buffer (SslStream then also returns its
            // own to the pool): after the handshake a control channel is idle nearly all the time.
            await _ssl.ReadAsync(Memory<byte>.Empty).ConfigureAwait(false);
            byte[] buffer = ArrayPool<byte>.Shared.Rent(ReadChunkBytes);
            try
            {
                int n = await _ssl.ReadAsync(buffer.AsMemory(0, ReadChunkBytes)).ConfigureAwait(false);
                if (n == 0)
                {
                    throw new AuthenticationException("The peer closed the TLS session.");
                }
                lock (_sync)
                {
                    _plaintext.Enqueue(buffer.AsSpan(0, n));
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer, clearArray: true);
            }
        }
    }

    private void OnDriverFinished(Task driver)
    {
        lock (_sync)
        {
            if (driver.Exception is { } aggregate && !_disposed)
            {
                Exception inner = aggregate.InnerException ?? aggregate;
                _failure = _rejectReason is not null
                    ? new AuthenticationException(_rejectReason, inner)
                    : inner is AuthenticationException ? inner
                    : new AuthenticationException($"TLS error: {inner.Message}", inner);
            }
            else if (_failure is null && !_disposed)
            {
                _failure = new AuthenticationException("The TLS session ended.");
            }
            _driverFinished = true;
            Monitor.PulseAll(_sync);
        }
    }

    private void PulseWaiters()
    {
        lock (_sync)
        {
            Monitor.PulseAll(_sync);
        }
    }

    /// <summary>
    /// How often a call had to wait for SslStream work running on another thread (tests: should stay 0, since
    /// <see cref="InlineContinuations"/> runs that work on the caller's thread). Guarded by _sync.
    /// </summary>
    internal int QuiescenceWaits { get; private set; }

    private void WaitQuiescent()
    {
        Task driver = _driver!;
        long deadline = Environment.TickCount64 + (long)_options.PumpTimeout.TotalMilliseconds;
        lock (_sync)
        {
            // Settled = the driver waits for input that is not there, or it ended and its end was recorded.
            while (driver.IsCompleted ? !_driverFinished : !_transport.IsStarved)
            {
                long remaining = deadline - Environment.TickCount64;
                if (remaining <= 0)
                {
                    _failure ??= new AuthenticationException("The TLS engine did not settle in time (internal error).");
                    return;
                }
                QuiescenceWaits++;
                Monitor.Wait(_sync, (int)Math.Min(remaining, 50));
            }
        }
    }

    private void FlushQueuedWrites()
    {
        if (!_handshakeComplete)
        {
            return;
        }
        while (_queuedWrites.Count > 0 && Failure is null)
        {
            byte[] message = _queuedWrites.Dequeue();
            try
            {
                _ssl.Write(message);
            }
            catch (Exception ex) when (ex is IOException or InvalidOperationException or AuthenticationException)
            {
                lock (_sync)
                {
                    _failure ??= new AuthenticationException($"TLS write failed: {ex.Message}", ex);
                }
            }
        }
    }

    private bool ValidatePeer(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        // SslStream's own verdict (system roots, host name) is ignored on purpose: OpenVPN trusts only
        // the configured CA and never checks host names (verify-x509-name replaces that).
        X509Certificate2? peer = certificate as X509Certificate2
            ?? (certificate is null ? null : X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
        if (peer is null)
        {
            if (!_options.RequiresPeerCertificate)
            {
                return true;
            }
            _rejectReason = "The peer did not present a certificate.";
            return false;
        }
        var presented = new X509Certificate2Collection();
        if (chain is not null)
        {
            presented.AddRange(chain.ChainPolicy.ExtraStore);
            foreach (X509ChainElement element in chain.ChainElements)
            {
                presented.Add(element.Certificate);
            }
        }
        string? problem = _validator.Validate(peer, presented, chain) ?? _extraCheck?.Invoke(VerifiedChain(peer, chain));
        if (problem is not null)
        {
            _rejectReason = problem;
            return false;
        }
        _peerCertificate = peer;
        return true;
    }

    /// <summary>The peer's chain, leaf first, as SslStream built it with our trust settings (else the leaf and its configured CA).</summary>
    private IReadOnlyList<X509Certificate2> VerifiedChain(X509Certificate2 peer, X509Chain? chain)
    {
        if (chain is { ChainElements.Count: > 0 } && chain.ChainElements[0].Certificate.RawDataMemory.Span.SequenceEqual(peer.RawDataMemory.Span))
        {
            return chain.ChainElements.Select(e => e.Certificate).ToArray();
        }

        X509Certificate2? issuer = OpenVpnCertificateText.IssuerAmong(_options.TrustedCertificateAuthorities, peer);
        return issuer is null ? [peer] : [peer, issuer];
    }

    private SslServerAuthenticationOptions BuildServerOptions() => new()
    {
        ServerCertificateContext = _options.CertificateContext,
        // SslStream's "required" only asks for one (SSL_VERIFY_PEER); ValidatePeer decides whether none is fatal.
        ClientCertificateRequired = _options.ClientCertificate != ClientCertificateMode.None,
        CertificateChainPolicy = PeerChainPolicy(),
        EnabledSslProtocols = Protocols(),
        CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
        AllowRenegotiation = false,
        AllowTlsResume = false,
    };

    private SslClientAuthenticationOptions BuildClientOptions() => new()
    {
        // OpenVPN sends no SNI and checks no host name.
        TargetHost = string.Empty,
        ClientCertificateContext = _options.CertificateContext,
        CertificateChainPolicy = PeerChainPolicy(),
        EnabledSslProtocols = Protocols(),
        CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
        AllowRenegotiation = false,
        AllowTlsResume = false,
    };

    /// <summary>
    /// The policy of SslStream's own chain build for the peer: OpenVPN's (our CAs only, offline), so it never evaluates
    /// system roots or fetches anything, and <see cref="ValidatePeer"/> can judge the chain it built instead of
    /// building it again. SslStream's own verdict is ignored (it also asks for a TLS extended key usage).
    /// </summary>
    private X509ChainPolicy PeerChainPolicy() => PeerCertificateValidator.PeerChainPolicy(_options);

    private SslProtocols Protocols()
    {
        if (_options.MinimumVersion > _options.MaximumVersion)
        {
            throw new ArgumentException($"tls-version-min {Name(_options.MinimumVersion)} is above tls-version-max {Name(_options.MaximumVersion)}.");
        }
        SslProtocols result = SslProtocols.None;
        if (_options.MinimumVersion <= TlsVersion.Tls12 && _options.MaximumVersion >= TlsVersion.Tls12)
        {
            result |= SslProtocols.Tls12;
        }
        if (_options.MaximumVersion >= TlsVersion.Tls13)
        {
            result |= SslProtocols.Tls13;
        }
        return result;

        static string Name(TlsVersion v) => v == TlsVersion.Tls12 ? "1.2" : "1.3";
    }

    private static string ProtocolName(SslProtocols p) => p switch
    {
        SslProtocols.Tls13 => "TLSv1.3",
        SslProtocols.Tls12 => "TLSv1.2",
        _ => p.ToString(),
    };

    /// <summary>
    /// The enum's own name, spelled out for the suites OpenVPN peers negotiate: Enum.ToString of TlsCipherSuite (~340
    /// members) reads the type's metadata through reflection in a Native AOT process, ~0.5 ms on the way to the
    /// client's first data packet (issue 7). Any other suite still prints through ToString.
    /// </summary>
    internal static string CipherSuiteName(TlsCipherSuite suite) => suite switch
    {
        TlsCipherSuite.TLS_AES_256_GCM_SHA384 => "TLS_AES_256_GCM_SHA384",
        TlsCipherSuite.TLS_AES_128_GCM_SHA256 => "TLS_AES_128_GCM_SHA256",
        TlsCipherSuite.TLS_CHACHA20_POLY1305_SHA256 => "TLS_CHACHA20_POLY1305_SHA256",
        TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 => "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
        TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 => "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
        TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 => "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
        TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 => "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 => "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
        TlsCipherSuite.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 => "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
        TlsCipherSuite.TLS_DHE_RSA_WITH_AES_256_GCM_SHA384 => "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384",
        _ => suite.ToString(),
    };

    /// <summary>Rethrows <see cref="Failure"/> if set (helper for callers that prefer exceptions).</summary>
    public void ThrowIfFailed()
    {
        if (Failure is { } failure)
        {
            ExceptionDispatchInfo.Throw(failure);
        }
    }
}

using SharpVpn.Config;

namespace SharpVpn.Runtime.Client;

/// <summary>
/// A client's first TLS engine started before the <see cref="ClientEngine"/> exists: right after the config is
/// parsed, so that loading the credentials and building the ClientHello (the longest step before a client's first
/// packets, ~2-3 ms on a 2-core machine) also overlaps opening the log and building the engine (issue 7, handshake
/// time). Give it to the engine through <see cref="ClientEngineOptions.TlsAhead"/>; an engine given none starts the
/// same work first thing in <see cref="ClientEngine.Run"/>. Disposing it releases an engine that no session took.
/// </summary>
public sealed class ClientTlsAhead : IDisposable
{
    private readonly ClientConfig _config;
    private readonly ClientSessionFactory _made;
    private ClientSessionFactory? _untaken;

    private ClientTlsAhead(ClientConfig config, ClientSessionFactory factory)
    {
        _config = config;
        _made = factory;
        _untaken = factory;
    }

    /// <summary>
    /// Starts loading <paramref name="config"/>'s credentials and building its ClientHello on a thread of its own.
    /// Throws what the engine's constructor would for missing credentials ('ca', 'cert' without 'key', ...).
    /// </summary>
    public static ClientTlsAhead Begin(ClientConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var factory = new ClientSessionFactory(config);
        factory.PrepareFirstTls();
        return new ClientTlsAhead(config, factory);
    }

    /// <summary>The session factory made for <paramref name="config"/>, once; the engine takes it in its constructor.</summary>
    internal ClientSessionFactory Take(ClientConfig config)
    {
        if (!ReferenceEquals(config, _config))
        {
            throw new ArgumentException("The TLS engine was prepared for another configuration than the engine's.", nameof(config));
        }
        return Interlocked.Exchange(ref _untaken, null)
            ?? throw new InvalidOperationException("This prepared TLS engine was already given to an engine.");
    }

    public void Dispose() => _made.ReleasePreparedTls();
}

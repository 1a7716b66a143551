using SharpVpn.Tls;

namespace SharpVpn.Runtime.Shared;

/// <summary>
/// TLS engine options loaded on first use (<see cref="TlsOptionsFactory.BuildDeferred"/>): a client needs them only
/// once its reset is on the wire, so loading them overlaps the reset's round trip instead of delaying the reset.
/// </summary>
internal sealed class DeferredTlsOptions(Func<TlsEngineOptions> load)
{
    private readonly Lazy<TlsEngineOptions> _options = new(load, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The options, loaded by the first caller; a load error is rethrown (same exception) on every call.</summary>
    public TlsEngineOptions Value => _options.Value;
}

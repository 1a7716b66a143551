namespace SharpVpn.Config;

/// <summary>All options SharpVPN knows, assembled from the group files in Options/. Each name appears once.</summary>
internal static class OptionTable
{
    /// <summary>
    /// A plain dictionary: a config file looks up a few dozen names, and a FrozenDictionary's construction (it
    /// analyses the keys for the fastest lookup) cost more than all those lookups, on every client's start (issue 7).
    /// </summary>
    public static readonly IReadOnlyDictionary<string, OptionDefinition> All = Build();

    private static Dictionary<string, OptionDefinition> Build()
    {
        OptionDefinition[][] groups =
        [
            ConnectionOptions.Definitions,
            ProxyOptions.Definitions,
            CryptoOptions.Definitions,
            PushOptions.Definitions,
            ServerOptions.Definitions,
            NetworkOptions.Definitions,
            ProcessOptions.Definitions,
            SharpVpnOptions.Definitions,
            UnsupportedOptions.Definitions,
        ];
        int count = 0;
        foreach (OptionDefinition[] group in groups)
        {
            count += group.Length;
        }

        // Sized once: growing it rehashed the few hundred names several times on every start.
        var all = new Dictionary<string, OptionDefinition>(count, StringComparer.Ordinal);
        foreach (OptionDefinition[] group in groups)
        {
            foreach (OptionDefinition d in group)
            {
                if (!all.TryAdd(d.Name, d))
                {
                    throw new InvalidOperationException($"option '{d.Name}' is declared twice");
                }
            }
        }

        return all;
    }

    /// <summary>Shorthand used by the group files.</summary>
    public static OptionDefinition Unsupported(string name, string reason, bool isError = false, int maxArgs = 16) =>
        new(name, 0, maxArgs, static (_, _) => { }, reason, OptionScope.Both, AllowsInline: true,
            Support: isError ? OptionSupport.UnsupportedError : OptionSupport.UnsupportedWarning);
}

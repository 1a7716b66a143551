using System.Collections.Frozen;

namespace SharpVpn.Config;

/// <summary>All options SharpVPN knows, assembled from the group files in Options/. Each name appears once.</summary>
internal static class OptionTable
{
    public static readonly FrozenDictionary<string, OptionDefinition> All = Build();

    private static FrozenDictionary<string, OptionDefinition> Build()
    {
        var all = new Dictionary<string, OptionDefinition>(StringComparer.Ordinal);
        IEnumerable<OptionDefinition>[] groups =
        [
            ConnectionOptions.Definitions,
            CryptoOptions.Definitions,
            PushOptions.Definitions,
            ServerOptions.Definitions,
            NetworkOptions.Definitions,
            ProcessOptions.Definitions,
            SharpVpnOptions.Definitions,
            UnsupportedOptions.Definitions,
        ];
        foreach (IEnumerable<OptionDefinition> group in groups)
        {
            foreach (OptionDefinition d in group)
            {
                if (!all.TryAdd(d.Name, d))
                {
                    throw new InvalidOperationException($"option '{d.Name}' is declared twice");
                }
            }
        }

        return all.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>Shorthand used by the group files.</summary>
    public static OptionDefinition Unsupported(string name, string reason, bool isError = false, int maxArgs = 16) =>
        new(name, 0, maxArgs, static (_, _) => { }, reason, OptionScope.Both, AllowsInline: true,
            Support: isError ? OptionSupport.UnsupportedError : OptionSupport.UnsupportedWarning);
}

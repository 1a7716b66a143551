namespace SharpVpn.Config;

/// <summary>What the server pushes and how the client takes pushed options.</summary>
internal static class PushOptions
{
    private static readonly Dictionary<string, PullFilterAction> FilterActions = new(StringComparer.Ordinal)
    {
        ["accept"] = PullFilterAction.Accept,
        ["ignore"] = PullFilterAction.Ignore,
        ["reject"] = PullFilterAction.Reject,
    };

    public static readonly OptionDefinition[] Definitions =
    [
        new("push", 1, 1, static (s, l) =>
            {
                string text = l.Arg(0).Trim();
                if (text.Length == 0)
                {
                    throw l.Error("the pushed option is empty");
                }

                if (text.Contains(',', StringComparison.Ordinal))
                {
                    // PUSH_REPLY separates options with commas; one inside an option would split it.
                    throw l.Error($"'{text}' contains a comma, which would split it into two pushed options");
                }

                // Catch typos early: a value a strict client would drop (bad address, out-of-range number) is reported here.
                foreach (RejectedPushOption dropped in PushedOptionParser.Parse(text).Dropped)
                {
                    if (!dropped.Reason.StartsWith("option '", StringComparison.Ordinal))
                    {
                        s.Warn(l, $"'{text}' will be dropped by clients that check pushed options: {dropped.Reason}");
                    }
                }

                s.Pushes.Add(text);
            }, "push \"OPTION ARGS\": send this option to every client", OptionScope.Server),
        new("push-reset", 0, 0, static (s, _) => s.Pushes.Clear(), "push-reset: forget the push list inherited so far", OptionScope.Server),
        new("pull", 0, 0, static (s, _) => s.PullOption = true, "pull: accept options pushed by the server (implied by client)", OptionScope.Client),
        new("route-nopull", 0, 0, static (s, _) => s.RouteNoPull = true,
            "route-nopull: ignore pushed routes, redirect-gateway and dhcp-option", OptionScope.Client),
        new("pull-filter", 2, 2, static (s, l) =>
            s.PullFilters.Add(new PullFilter(ParseState.Keyword(l, 0, FilterActions), l.Arg(1))),
            "pull-filter accept|ignore|reject TEXT: filter pushed options starting with TEXT", OptionScope.Client),
    ];
}

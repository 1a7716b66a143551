namespace SharpVpn.Config;

/// <summary>
/// Entry points: read an OpenVPN config as users have it and return the typed result, or throw one
/// <see cref="ConfigException"/> whose message names file, line and option. Relative file names
/// (ca, cert, key, ta.key, ...) are resolved against the config file's directory and read at
/// parse time, so a missing file fails here with the line that references it.
/// </summary>
public static partial class ConfigParser
{
    public static ClientConfig ParseClient(string path) =>
        ParseClientFromText(ReadConfigFile(path), path, BaseDirectoryOf(path));

    public static ServerConfig ParseServer(string path) =>
        ParseServerFromText(ReadConfigFile(path), path, BaseDirectoryOf(path));

    public static ClientConfig ParseClientFromText(string text, string sourceName, string baseDirectory)
    {
        ParseState state = Walk(text, sourceName, baseDirectory, isServerConfig: false);
        return BuildClient(state);
    }

    public static ServerConfig ParseServerFromText(string text, string sourceName, string baseDirectory)
    {
        ParseState state = Walk(text, sourceName, baseDirectory, isServerConfig: true);
        return BuildServer(state);
    }

    /// <summary>One-line help of every option SharpVPN knows (for <c>--help-options</c> style output).</summary>
    public static IReadOnlyDictionary<string, string> OptionHelp() =>
        OptionTable.All.Values.Where(d => d.Support == OptionSupport.Supported).ToDictionary(d => d.Name, d => d.Help, StringComparer.Ordinal);

    private static string ReadConfigFile(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new ConfigException($"{path}: config file not found");
        }
        catch (UnauthorizedAccessException)
        {
            throw new ConfigException($"{path}: config file is not readable (permission denied)");
        }
        catch (IOException ex)
        {
            throw new ConfigException($"{path}: config file could not be read: {ex.Message}");
        }
    }

    private static string BaseDirectoryOf(string path) =>
        Path.GetDirectoryName(Path.GetFullPath(path)) ?? Directory.GetCurrentDirectory();

    private static ParseState Walk(string text, string sourceName, string baseDirectory, bool isServerConfig)
    {
        var state = new ParseState(sourceName, Path.GetFullPath(baseDirectory), isServerConfig);
        WalkLines(state, text, sourceName, depth: 1);
        return state;
    }

    /// <summary>OpenVPN's read_config_file nesting limit for 'config FILE' inside a config.</summary>
    private const int MaxConfigDepth = 10;

    private static void WalkLines(ParseState state, string text, string sourceName, int depth)
    {
        foreach (ConfigLine raw in ConfigTokenizer.Tokenize(text, sourceName))
        {
            ConfigLine line = raw;
            bool softUnknown = false;

            // "setenv opt NAME ARGS": OpenVPN 2.4's way to say "ignore NAME if unknown".
            if (line.Name == "setenv" && line.ArgCount >= 2 && line.Arg(0) == "opt" && !line.IsInline)
            {
                line = line with { Name = line.Arg(1), Args = [.. line.Args.Skip(2)] };
                softUnknown = true;
            }

            if (line.Name == "config" && !line.IsInline)
            {
                Include(state, line, depth);
                continue;
            }

            if (line.Name == "connection" && line.IsInline)
            {
                ConnectionBlocks.Parse(state, line, static (st, l) => Apply(st, l, softUnknown: false));
                continue;
            }

            Apply(state, line, softUnknown);
        }
    }

    /// <summary>
    /// <c>config FILE</c>: the file's options apply as if written here (options.c read_config_file; at most 10 levels).
    /// A relative name is resolved like every other file name, against the first config's directory.
    /// </summary>
    private static void Include(ParseState state, ConfigLine line, int depth)
    {
        if (line.ArgCount != 1)
        {
            throw line.Error("expects one argument (usage: config FILE)");
        }

        if (depth >= MaxConfigDepth)
        {
            throw line.Error($"config files are nested more than {MaxConfigDepth} levels deep (does a file include itself?)");
        }

        string path = state.ResolvePath(line.Arg(0));
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw line.Error($"cannot read '{path}': {(ex is FileNotFoundException or DirectoryNotFoundException ? "file not found" : ex.Message)}");
        }

        WalkLines(state, text, path, depth + 1);
    }

    private static void Apply(ParseState state, ConfigLine line, bool softUnknown)
    {
        if (!OptionTable.All.TryGetValue(line.Name, out OptionDefinition? def))
        {
            if (softUnknown || state.IgnoreUnknown.Contains(line.Name))
            {
                state.Warnings.Add($"{line.SourceName}:{line.LineNumber}: unknown option '{line.Name}' is ignored (ignore-unknown-option/setenv opt)");
                return;
            }

            throw new ConfigException(line.SourceName, line.LineNumber, null, $"unknown option '{line.Name}'");
        }

        if (state.Connections.Count > 0 && !state.InConnectionBlock && ConnectionBlocks.Allowed.Contains(line.Name))
        {
            // options.c: "Option '%s' in %s:%d is ignored by previous <connection> blocks".
            state.Warn(line, "is ignored: it comes after <connection> blocks, which carry their own connection options (as OpenVPN)");
            return;
        }

        if (def.Support == OptionSupport.UnsupportedWarning)
        {
            state.Warnings.Add($"{line.SourceName}:{line.LineNumber}: option '{line.Name}' is not supported by SharpVPN and is ignored ({def.Help})");
            return;
        }

        if (def.Support == OptionSupport.UnsupportedError)
        {
            throw new ConfigException(line.SourceName, line.LineNumber, null, $"option '{line.Name}' is not supported by SharpVPN: {def.Help}");
        }

        if (line.IsInline && !def.AllowsInline)
        {
            throw line.Error("cannot be given as an inline block");
        }

        if (!line.IsInline)
        {
            if (line.ArgCount < def.MinArgs)
            {
                throw line.Error(def.MinArgs == 1
                    ? $"missing argument (usage: {def.Help})"
                    : $"expects at least {def.MinArgs} arguments, got {line.ArgCount} (usage: {def.Help})");
            }

            if (line.ArgCount > def.MaxArgs)
            {
                throw line.Error($"expects at most {def.MaxArgs} argument(s), got {line.ArgCount} (usage: {def.Help})");
            }
        }

        if (def.Scope == OptionScope.Server && !state.IsServerConfig)
        {
            if (line.Name == "server")
            {
                throw line.Error("this is a server config; run it with 'sharpvpn server --config'");
            }

            if (line.Name == "server-ipv6")
            {
                // helper.c: "--server-ipv6 and --client cannot be used together".
                throw line.Error("cannot be used in a client config (OpenVPN refuses server-ipv6 with client); it belongs in the server's config");
            }

            if (line.Name == "username-as-common-name")
            {
                // options.c: "--username-as-common-name requires --mode server".
                throw line.Error("cannot be used in a client config (OpenVPN refuses it without a server); it belongs in the server's config");
            }

            state.Warn(line, "only applies to servers and is ignored in a client config");
            return;
        }

        if (def.Scope == OptionScope.Client && state.IsServerConfig)
        {
            if (line.Name is "client" or "tls-client" or "remote")
            {
                throw line.Error("this is a client config; run it with 'sharpvpn client --config'");
            }

            state.Warn(line, "only applies to clients and is ignored in a server config");
            return;
        }

        def.Apply(state, line);
    }
}

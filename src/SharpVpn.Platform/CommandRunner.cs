using System.Diagnostics;

namespace SharpVpn.Platform;

/// <summary>The outcome of one external command.</summary>
public readonly record struct CommandResult(int ExitCode, string StandardOutput, string StandardError)
{
    public bool Succeeded => ExitCode == 0;
}

/// <summary>An external command (ip, nft, sysctl, systemctl) failed; the message names the command and its stderr.</summary>
public sealed class PlatformCommandException : Exception
{
    public PlatformCommandException(string message, string commandLine, CommandResult result) : base(message)
    {
        CommandLine = commandLine;
        Result = result;
    }

    public string CommandLine { get; }

    public CommandResult Result { get; }
}

/// <summary>
/// Runs setup commands (never per packet). Arguments go through ArgumentList, never a shell,
/// so no value can be interpreted as shell syntax. With a network namespace, every command runs
/// as <c>ip netns exec NS cmd ...</c>: tests use that so the host's firewall and routes are never touched.
/// </summary>
public sealed class CommandRunner
{
    private static readonly string[] s_searchDirectories = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"];

    public CommandRunner(string? networkNamespace = null)
    {
        NetworkNamespace = string.IsNullOrEmpty(networkNamespace) ? null : networkNamespace;
    }

    /// <summary>Runs commands in the current (host) namespace.</summary>
    public static CommandRunner Host { get; } = new();

    /// <summary>The named namespace (as in <c>ip netns list</c>) commands run in, or null for the current one.</summary>
    public string? NetworkNamespace { get; }

    /// <summary>Default time a command may take before it is killed.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Full path of <paramref name="program"/> from PATH and the usual sbin directories, or null if absent.</summary>
    public static string? FindProgram(string program)
    {
        if (program.Contains('/', StringComparison.Ordinal))
        {
            return File.Exists(program) ? program : null;
        }
        string[] path = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries);
        foreach (string dir in path.Concat(s_searchDirectories))
        {
            string candidate = Path.Combine(dir, program);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        return null;
    }

    /// <summary>Runs the command and returns its exit code and output; throws only if it cannot start or times out.</summary>
    public CommandResult Run(string program, IEnumerable<string> arguments, string? standardInput = null)
    {
        string resolved = FindProgram(program)
            ?? throw new FileNotFoundException($"The '{program}' command was not found in PATH or the sbin directories; install it (e.g. apt-get install {PackageHint(program)}).", program);
        var info = new ProcessStartInfo
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = standardInput is not null,
            UseShellExecute = false,
        };
        if (NetworkNamespace is null)
        {
            info.FileName = resolved;
        }
        else
        {
            info.FileName = FindProgram("ip") ?? throw new FileNotFoundException("The 'ip' command (iproute2) was not found.", "ip");
            info.ArgumentList.Add("netns");
            info.ArgumentList.Add("exec");
            info.ArgumentList.Add(NetworkNamespace);
            info.ArgumentList.Add(resolved);
        }
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        info.Environment["LC_ALL"] = "C";

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {resolved}.");
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (standardInput is not null)
        {
            process.StandardInput.Write(standardInput);
            process.StandardInput.Close();
        }
        if (!process.WaitForExit(Timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"'{Describe(program, arguments)}' did not finish within {Timeout.TotalSeconds:0} s and was killed.");
        }
        process.WaitForExit();
        return new CommandResult(process.ExitCode, stdout.GetAwaiter().GetResult(), stderr.GetAwaiter().GetResult());
    }

    /// <summary>Runs the command and returns its stdout; a non-zero exit throws <see cref="PlatformCommandException"/> with its stderr.</summary>
    public string RunChecked(string program, IEnumerable<string> arguments, string? standardInput = null)
    {
        string[] args = arguments as string[] ?? arguments.ToArray();
        CommandResult result = Run(program, args, standardInput);
        if (!result.Succeeded)
        {
            string commandLine = Describe(program, args);
            string detail = result.StandardError.Trim();
            if (detail.Length == 0)
            {
                detail = result.StandardOutput.Trim();
            }
            throw new PlatformCommandException(
                $"'{commandLine}' failed (exit {result.ExitCode}): {FirstLines(detail)}", commandLine, result);
        }
        return result.StandardOutput;
    }

    private string Describe(string program, IEnumerable<string> arguments)
    {
        string text = program + " " + string.Join(' ', arguments);
        return NetworkNamespace is null ? text : $"ip netns exec {NetworkNamespace} {text}";
    }

    private static string FirstLines(string text)
    {
        string[] lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return lines.Length == 0 ? "(no output)" : string.Join(" / ", lines.Take(4));
    }

    private static string PackageHint(string program) => program switch
    {
        "ip" => "iproute2",
        "nft" => "nftables",
        "sysctl" => "procps",
        "resolvconf" => "openresolv",
        _ => program,
    };
}

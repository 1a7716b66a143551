namespace SharpVpn.Interop.Tests.Lab;

/// <summary>
/// What the lab needs from the machine. Missing pieces are a test failure with a message naming
/// them, never a skip (scripts/test.sh installs them).
/// </summary>
public static class Prerequisites
{
    private static readonly string[] Tools = ["ip", "openvpn", "nft", "ping", "openssl", "iperf3", "setsid", "tinyproxy", "microsocks", "danted", "ss", "python3"];

    public static void EnsureLabCanRun()
    {
        var missing = new List<string>();
        if (Native.GetEffectiveUserId() != 0)
        {
            missing.Add("root privileges (run the tests with sudo)");
        }
        if (!File.Exists("/dev/net/tun"))
        {
            missing.Add("/dev/net/tun (load the tun module or give the container the device)");
        }
        foreach (string tool in Tools)
        {
            if (FindOnPath(tool) is null)
            {
                missing.Add($"'{tool}' on PATH");
            }
        }
        if (!File.Exists(EasyRsaPki.EasyRsaPath))
        {
            missing.Add($"easy-rsa 3 at {EasyRsaPki.EasyRsaPath} (apt-get install easy-rsa)");
        }
        if (missing.Count > 0)
        {
            throw new InvalidOperationException(
                "The scenario lab cannot run; missing: " + string.Join("; ", missing) +
                ". Run 'sudo bash scripts/test.sh', which installs the packages (openvpn easy-rsa nftables iproute2 iputils-ping openssl tinyproxy microsocks dante-server).");
        }
    }

    /// <summary>The full path of an executable on PATH (plus the sbin directories sudo may drop), or null.</summary>
    public static string? FindOnPath(string name)
    {
        string path = Environment.GetEnvironmentVariable("PATH") ?? "";
        IEnumerable<string> dirs = path.Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Concat(["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"]);
        foreach (string dir in dirs)
        {
            string candidate = System.IO.Path.Combine(dir, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        return null;
    }
}

using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace SharpVpn.Platform.Tests;

/// <summary>
/// src/SharpVpn.Cli/Native/openssl_preload.c, the ELF constructor linked into the Native AOT executable (issue 7,
/// handshake time): built here with gcc into a small probe program, the same way the AOT link takes it, and run as
/// a process, the only way to see what a constructor does before main.
/// </summary>
public sealed class OpenSslPreloadTests : IDisposable
{
    // The probe's main: waits for libssl to appear (loaded by the constructor's thread, never by the probe), then
    // prints whether it did, how many threads exist and the membarrier registrations (-1 = the kernel cannot tell).
    private const string ProbeSource = """
        #include <dlfcn.h>
        #include <dirent.h>
        #include <stdio.h>
        #include <stdlib.h>
        #include <sys/syscall.h>
        #include <unistd.h>
        static int tasks(void) {
            int n = 0;
            DIR *d = opendir("/proc/self/task");
            struct dirent *e;
            while ((e = readdir(d)) != NULL) {
                if (e->d_name[0] != '.') n++;
            }
            closedir(d);
            return n;
        }
        // Runs at exit after any exit handler registered later, e.g. OpenSSL's cleanup had the preload's init asked
        // for one (it must not: runtime threads may still use OpenSSL while the process exits).
        static void fetch_at_exit(void) {
            void *crypto = dlopen("libcrypto.so.3", RTLD_LAZY | RTLD_NOLOAD);
            void *(*fetch)(void *, const char *, const char *) =
                crypto == NULL ? NULL : (void *(*)(void *, const char *, const char *))dlsym(crypto, "EVP_MD_fetch");
            printf(" fetch_at_exit=%d\n", fetch != NULL && fetch(NULL, "SHA256", NULL) != NULL);
        }
        int main(int argc, char **argv) {
            (void)argc; (void)argv;
            atexit(fetch_at_exit);
            int threads_at_main = tasks();
            long registrations = syscall(SYS_membarrier, 1 << 9 /* MEMBARRIER_CMD_GET_REGISTRATIONS */, 0);
            int wait_ms = atoi(getenv("PROBE_WAIT_MS"));
            void *ssl = NULL;
            for (int i = 0; i <= wait_ms && ssl == NULL; i++) {
                ssl = dlopen("libssl.so.3", RTLD_LAZY | RTLD_NOLOAD);
                if (ssl == NULL) usleep(1000);
            }
            for (int i = 0; i <= wait_ms && ssl != NULL && tasks() > 1; i++) usleep(1000); // the preload's end
            printf("loaded=%d threads_at_main=%d registrations=%ld", ssl != NULL, threads_at_main, registrations);
            return 0;
        }
        """;

    private readonly string _dir = Directory.CreateTempSubdirectory("sv-preload-").FullName;
    private readonly string _probe;

    public OpenSslPreloadTests()
    {
        _probe = Path.Combine(_dir, "probe");
        string probeSource = Path.Combine(_dir, "probe.c");
        File.WriteAllText(probeSource, ProbeSource);
        (int exit, string output) = Run("gcc", ["-O2", "-Wall", "-Wextra", "-Werror", PreloadSource(), probeSource, "-o", _probe], null);
        Assert.True(exit == 0, $"gcc (needed for the Native AOT link and this test: apt-get install gcc) failed: {output}");
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("client")]
    [InlineData("server")]
    public void TunnelCommands_LoadOpenSslOnASideThreadAfterRegisteringMembarrier(string command)
    {
        Probe result = RunProbe(command, waitMs: 5000, noPreload: null);
        Assert.True(result.Loaded, "libssl.so.3 was not loaded by the constructor's thread");
        Assert.True(result.UsableAtExit, "OpenSSL was cleaned up by an exit handler: the preload's init lacks OPENSSL_INIT_NO_ATEXIT");
        Assert.True(result.ThreadsAtMain >= 1);
        if (result.Registrations >= 0)
        {
            // Registered while single-threaded, so the runtime's own registration later costs no RCU grace period.
            Assert.NotEqual(0, result.Registrations & (1 << 4)); // MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED
        }
    }

    [Theory]
    [InlineData("pki", null)]
    [InlineData("quickstart", null)]
    [InlineData("client", "1")]
    public void OtherCommands_OrTheSwitch_LeaveTheProcessAlone(string command, string? noPreload)
    {
        Probe result = RunProbe(command, waitMs: 200, noPreload);
        Assert.False(result.Loaded, "libssl.so.3 was loaded although the preload should not run");
        Assert.Equal(1, result.ThreadsAtMain); // no thread was started
        if (result.Registrations >= 0)
        {
            Assert.Equal(0, result.Registrations & (1 << 4));
        }
    }

    private Probe RunProbe(string command, int waitMs, string? noPreload)
    {
        var env = new Dictionary<string, string?> { ["PROBE_WAIT_MS"] = waitMs.ToString(System.Globalization.CultureInfo.InvariantCulture), ["SHARPVPN_NO_OPENSSL_PRELOAD"] = noPreload };
        (int exit, string output) = Run(_probe, [command], env);
        Assert.True(exit == 0, $"probe failed: {output}");
        var fields = output.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(f => f.Split('=')).ToDictionary(kv => kv[0], kv => long.Parse(kv[1], System.Globalization.CultureInfo.InvariantCulture));
        return new Probe(fields["loaded"] == 1, (int)fields["threads_at_main"], fields["registrations"], fields["fetch_at_exit"] == 1);
    }

    private static (int Exit, string Output) Run(string file, string[] args, Dictionary<string, string?>? env)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in args)
        {
            start.ArgumentList.Add(a);
        }
        foreach ((string key, string? value) in env ?? [])
        {
            start.Environment[key] = value;
        }
        using Process p = Process.Start(start)!;
        string output = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
        Assert.True(p.WaitForExit(60_000), $"{file} did not finish");
        return (p.ExitCode, output);
    }

    private static string PreloadSource([CallerFilePath] string thisFile = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(thisFile)!, "..", "..", "src", "SharpVpn.Cli", "Native", "openssl_preload.c"));

    private readonly record struct Probe(bool Loaded, int ThreadsAtMain, long Registrations, bool UsableAtExit);
}

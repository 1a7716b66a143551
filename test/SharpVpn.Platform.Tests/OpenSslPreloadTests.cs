namespace SharpVpn.Platform.Tests;

/// <summary>
/// src/Native/openssl_preload.c, the ELF constructor linked into the Native AOT executable (issue 7,
/// handshake time): built here with gcc into a small probe program, the same way the AOT link takes it, and run as
/// a process, the only way to see what a constructor does before main.
/// </summary>
public sealed class OpenSslPreloadTests : IDisposable
{
    // The probe's main: waits for libssl to appear (loaded by the constructor's thread, never by the probe), then
    // prints whether it did, how many threads exist, the membarrier registrations (-1 = the kernel cannot tell) and
    // how the constructor called .NET's crypto shim initialiser. In the AOT executable that function comes from
    // .NET's static shim library (which binds its OpenSSL functions and runs OPENSSL_init_ssl with .NET's flags);
    // here it is a stand-in that records its calls and, like the shim, finds libssl already loaded.
    private const string ProbeSource = """
        #include <dlfcn.h>
        #include <dirent.h>
        #include <stdint.h>
        #include <stdio.h>
        #include <stdlib.h>
        #include <sys/syscall.h>
        #include <unistd.h>
        static int shim_calls;
        static int shim_on_main_thread = -1;
        static int shim_saw_libssl = -1;
        int32_t CryptoNative_EnsureOpenSslInitialized(void) {
            __atomic_add_fetch(&shim_calls, 1, __ATOMIC_SEQ_CST);
            shim_on_main_thread = getpid() == (pid_t)syscall(SYS_gettid);
            shim_saw_libssl = dlopen("libssl.so.3", RTLD_LAZY | RTLD_NOLOAD) != NULL;
            return shim_saw_libssl ? 0 : -1;
        }
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
        int main(int argc, char **argv) {
            (void)argc; (void)argv;
            int threads_at_main = tasks();
            long registrations = syscall(SYS_membarrier, 1 << 9 /* MEMBARRIER_CMD_GET_REGISTRATIONS */, 0);
            int wait_ms = atoi(getenv("PROBE_WAIT_MS"));
            void *ssl = NULL;
            for (int i = 0; i <= wait_ms && ssl == NULL; i++) {
                ssl = dlopen("libssl.so.3", RTLD_LAZY | RTLD_NOLOAD);
                if (ssl == NULL) usleep(1000);
            }
            for (int i = 0; i <= wait_ms && ssl != NULL && tasks() > 1; i++) usleep(1000); // the preload's end
            printf("loaded=%d threads_at_main=%d registrations=%ld shim_calls=%d shim_on_main_thread=%d shim_saw_libssl=%d",
                ssl != NULL, threads_at_main, registrations, shim_calls, shim_on_main_thread, shim_saw_libssl);
            return 0;
        }
        """;

    private readonly NativeProbe _probe = new("openssl_preload.c", ProbeSource);

    public void Dispose() => _probe.Dispose();

    [Theory]
    [InlineData("client")]
    [InlineData("server")]
    public void TunnelCommands_LoadOpenSslAndRunTheShimInitialiserOnASideThreadAfterRegisteringMembarrier(string command)
    {
        Probe result = RunProbe(command, waitMs: 5000, noPreload: null);
        Assert.True(result.Loaded, "libssl.so.3 was not loaded by the constructor's thread");
        // .NET's shim initialiser (function binding, OPENSSL_init_ssl with .NET's flags) runs once, off the main
        // thread, with libssl already loaded: the managed side then finds it done instead of doing it after Main.
        Assert.Equal(1, result.ShimCalls);
        Assert.Equal(0, result.ShimOnMainThread);
        Assert.Equal(1, result.ShimSawLibssl);
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
        Assert.Equal(0, result.ShimCalls);
        if (result.Registrations >= 0)
        {
            Assert.Equal(0, result.Registrations & (1 << 4));
        }
    }

    [Theory]
    [InlineData("--config", null, true)]
    [InlineData("--help", null, true)]
    [InlineData("--config", "1", false)]
    public void BuiltForSharpVpnClient_EveryRunIsATunnel_SoItPreloadsWhateverTheArguments(string firstArgument, string? noPreload,
        bool loads)
    {
        using var tunnelOnly = new NativeProbe("openssl_preload.c", ProbeSource, "SHARPVPN_TUNNEL_ONLY");
        Probe result = RunProbe(tunnelOnly, firstArgument, waitMs: loads ? 5000 : 200, noPreload);
        Assert.Equal(loads, result.Loaded);
        Assert.Equal(loads ? 1 : 0, result.ShimCalls);
        if (loads)
        {
            Assert.Equal(0, result.ShimOnMainThread);
        }
    }

    private Probe RunProbe(string command, int waitMs, string? noPreload) => RunProbe(_probe, command, waitMs, noPreload);

    private static Probe RunProbe(NativeProbe probe, string command, int waitMs, string? noPreload)
    {
        var env = new Dictionary<string, string?> { ["PROBE_WAIT_MS"] = waitMs.ToString(System.Globalization.CultureInfo.InvariantCulture), ["SHARPVPN_NO_OPENSSL_PRELOAD"] = noPreload };
        Dictionary<string, long> fields = probe.RunFields([command], env);
        return new Probe(fields["loaded"] == 1, (int)fields["threads_at_main"], fields["registrations"], (int)fields["shim_calls"],
            (int)fields["shim_on_main_thread"], (int)fields["shim_saw_libssl"]);
    }

    private readonly record struct Probe(bool Loaded, int ThreadsAtMain, long Registrations, int ShimCalls, int ShimOnMainThread,
        int ShimSawLibssl);
}

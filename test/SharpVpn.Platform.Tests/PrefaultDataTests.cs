namespace SharpVpn.Platform.Tests;

/// <summary>
/// src/Native/prefault_data.c, the .preinit_array function linked into the Native AOT executable (issue
/// 7, handshake time): built here with gcc beside a probe whose 3 MB of zero-initialised data sits where the AOT
/// compiler puts the runtime's (a section after .bss), and run as a process, the only way to see what it did
/// before main.
/// </summary>
public sealed class PrefaultDataTests : IDisposable
{
    // The probe's main: how many of its data pages are mapped before it touched any (mincore) and how many kB of
    // the mapping that holds them are transparent huge pages (smaps; -1 when the data spans two mappings).
    private const string ProbeSource = """
        #include <stdint.h>
        #include <stdio.h>
        #include <string.h>
        #include <sys/mman.h>
        #include <unistd.h>
        // Stands in for the runtime's data: 3 MB of zero-initialised memory in its own section after .bss, as ILC lays it out.
        static char data[3 << 20] __attribute__((aligned(32), section(".hydrated,\"aw\",@nobits#")));
        int main(void) {
            uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
            uintptr_t start = ((uintptr_t)data + page - 1) & ~(page - 1), end = ((uintptr_t)data + sizeof data) & ~(page - 1);
            size_t pages = (end - start) / page, resident = 0;
            static unsigned char vec[(3 << 20) / 4096 + 1];
            if (mincore((void *)start, end - start, vec) != 0) { perror("mincore"); return 1; }
            for (size_t i = 0; i < pages; i++) resident += vec[i] & 1;
            // The huge pages of the mapping that holds the data.
            long huge_kb = -1;
            FILE *smaps = fopen("/proc/self/smaps", "r");
            char line[512];
            int inside = 0;
            while (fgets(line, sizeof line, smaps) != NULL) {
                unsigned long lo, hi;
                if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && strchr(line, '-') < strchr(line, ' ')) inside = lo <= start && end <= hi;
                else if (inside && strncmp(line, "AnonHugePages:", 14) == 0) sscanf(line + 14, "%ld", &huge_kb);
            }
            fclose(smaps);
            printf("pages=%zu resident=%zu huge_kb=%ld\n", pages, resident, huge_kb);
            return 0;
        }
        """;

    private readonly NativeProbe _probe = new("prefault_data.c", ProbeSource);

    public void Dispose() => _probe.Dispose();

    [Fact]
    public void DataIsMappedBeforeMain_OnHugePagesWhereverItFalls()
    {
        // Where the data falls relative to a 2 MB boundary changes with every start (address space layout
        // randomisation); several starts see several placements.
        for (int run = 0; run < 8; run++)
        {
            Probe probe = RunProbe(noPrefault: null);
            Assert.Equal(probe.Pages, probe.Resident);
            if (TransparentHugePagesAvailable())
            {
                // 3 MB of data touches two or three 2 MB-aligned huge pages: all of them are huge, not only those
                // that happen to lie wholly inside the data.
                Assert.True(probe.HugeKb >= 4096, $"run {run}: only {probe.HugeKb} kB of the data's mapping on huge pages");
            }
        }
    }

    [Fact]
    public void TheSwitch_LeavesTheDataUnmapped()
    {
        Probe probe = RunProbe(noPrefault: "1");
        Assert.Equal(0, probe.Resident);
        Assert.True(probe.HugeKb <= 0, $"{probe.HugeKb} kB on huge pages although the switch was set");
    }

    // 'always' or 'madvise' (the default of most distributions), and not 'never'.
    private static bool TransparentHugePagesAvailable() =>
        File.Exists("/sys/kernel/mm/transparent_hugepage/enabled")
        && !File.ReadAllText("/sys/kernel/mm/transparent_hugepage/enabled").Contains("[never]", StringComparison.Ordinal);

    private Probe RunProbe(string? noPrefault)
    {
        Dictionary<string, long> fields = _probe.RunFields([], new Dictionary<string, string?> { ["SHARPVPN_NO_PREFAULT"] = noPrefault });
        return new Probe(fields["pages"], fields["resident"], fields["huge_kb"]);
    }

    private readonly record struct Probe(long Pages, long Resident, long HugeKb);
}

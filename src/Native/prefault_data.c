// Maps the executable's zero-initialised data (.bss) in one call, on huge pages where it can, before the runtime
// writes into it.
//
// Why (issue 7, handshake time): the Native AOT runtime keeps its type descriptors and string literals (~3 MB)
// compressed in the executable and writes them out at start into .bss (IlcDehydrate, src/Executable.targets). Written
// page by page, that is ~800 page faults; on a virtual machine a first touch can cost ~10 us (the hypervisor's
// shadow page tables are filled on demand), which alone is ~8 ms of a client's ~40 ms start to handshake.
// madvise(MADV_POPULATE_WRITE) maps the whole range in one system call, and MADV_HUGEPAGE first lets the kernel
// use 2 MB pages for it (one mapping instead of 512, whose first touches cost one fault, not 512; honoured when
// transparent huge pages are 'always' or 'madvise', ignored when 'never'): 2 MB of untouched room on each side of
// the data lets every huge page it touches lie inside .bss, wherever the data falls (measured on the 2-core VM of
// bench/: rehydration 6.3 -> 2.2 ms, `sharpvpn --version` 17 -> 13 ms; with none of this, 11.7 ms). Both are hints:
// on a kernel without them (POPULATE_WRITE: Linux 5.14) the calls fail and the pages fault in one by one.
//
// It runs from .preinit_array: the first code of the program the dynamic loader calls, after relocation and
// before any constructor, so before the runtime starts. Linked into the Native AOT executable only
// (src/Executable.targets); SHARPVPN_NO_PREFAULT=1 turns it off (to measure it, or if it ever misbehaves).
#include <elf.h>
#include <link.h>
#include <stdint.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

#define HUGE_PAGE ((uintptr_t)2 << 20)

// Room for whole huge pages around the runtime's data. A 2 MB page can only map a 2 MB-aligned range that lies
// wholly inside .bss, and where the ~3 MB of runtime data falls relative to a 2 MB boundary changes with every
// start (address space layout randomisation): without room on both sides only the part between its first and last
// boundary got huge pages (none at all in about half the starts). The room is never written; only the parts of it
// that share a huge page with the data are ever mapped. .bss comes before the runtime's section (.hydrated) and
// .lbss after it.
static char thp_room_before[HUGE_PAGE] __attribute__((aligned(4096)));
static char thp_room_after[HUGE_PAGE] __attribute__((aligned(4096), section(".lbss")));

static uintptr_t round_up(uintptr_t value, uintptr_t alignment)
{
    return (value + alignment - 1) & ~(alignment - 1);
}

static uintptr_t round_down(uintptr_t value, uintptr_t alignment)
{
    return value & ~(alignment - 1);
}

static void populate(uintptr_t start, uintptr_t end)
{
    if (end > start)
    {
        (void)madvise((void *)start, end - start, MADV_POPULATE_WRITE);
    }
}

// [start, end): the anonymous part of the writable segment, page-aligned.
static void prefault_range(uintptr_t start, uintptr_t end)
{
    uintptr_t room_before = (uintptr_t)thp_room_before;
    uintptr_t room_after = (uintptr_t)thp_room_after;
    uintptr_t data_start = room_before + HUGE_PAGE;
    if (room_before >= start && room_after + HUGE_PAGE <= end && room_after > data_start)
    {
        // The huge pages that cover everything between the two rooms, and the (small) rest outside the rooms.
        uintptr_t huge_start = round_down(data_start, HUGE_PAGE);
        uintptr_t huge_end = round_up(room_after, HUGE_PAGE);
        (void)madvise((void *)huge_start, huge_end - huge_start, MADV_HUGEPAGE);
        populate(start, room_before); // the rooms are page-aligned
        populate(huge_start, huge_end);
        populate(room_after + HUGE_PAGE, end);
        return;
    }
    // Laid out otherwise (another linker): huge pages where whole ones fit.
    uintptr_t huge_start = round_up(start, HUGE_PAGE);
    uintptr_t huge_end = round_down(end, HUGE_PAGE);
    if (huge_end > huge_start)
    {
        (void)madvise((void *)huge_start, huge_end - huge_start, MADV_HUGEPAGE);
    }
    populate(start, end);
}

static void sharpvpn_prefault_data(int argc, char **argv, char **envp)
{
    (void)argc;
    (void)argv;
    // Not getenv: the C library sets its environment pointer after .preinit_array functions have run.
    for (char **variable = envp; variable != NULL && *variable != NULL; variable++)
    {
        if (strcmp(*variable, "SHARPVPN_NO_PREFAULT=1") == 0)
        {
            return;
        }
    }
    const ElfW(Phdr) *phdrs = (const ElfW(Phdr) *)getauxval(AT_PHDR);
    size_t count = (size_t)getauxval(AT_PHNUM);
    uintptr_t page = (uintptr_t)getauxval(AT_PAGESZ);
    if (phdrs == NULL || page == 0)
    {
        return;
    }
    // The load address: where the program headers are minus where the file says they are.
    uintptr_t base = 0;
    for (size_t i = 0; i < count; i++)
    {
        if (phdrs[i].p_type == PT_PHDR)
        {
            base = (uintptr_t)phdrs - phdrs[i].p_vaddr;
        }
    }
    for (size_t i = 0; i < count; i++)
    {
        const ElfW(Phdr) *segment = &phdrs[i];
        if (segment->p_type != PT_LOAD || (segment->p_flags & PF_W) == 0 || segment->p_memsz <= segment->p_filesz)
        {
            continue;
        }
        // Only the part past the file's bytes: whole anonymous pages (the page the file data ends in is the
        // file's, copied on write, and stays as it is).
        uintptr_t start = round_up(base + segment->p_vaddr + segment->p_filesz, page);
        uintptr_t end = round_up(base + segment->p_vaddr + segment->p_memsz, page);
        if (end > start)
        {
            prefault_range(start, end);
        }
    }
}

// glibc calls .preinit_array entries of the executable with argc, argv and envp.
__attribute__((section(".preinit_array"), used)) static void (*const sharpvpn_prefault_data_entry)(int, char **, char **) =
    sharpvpn_prefault_data;

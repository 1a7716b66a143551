// Maps the executable's zero-initialised data (.bss) in one call, on huge pages where it can, before the runtime
// writes into it.
//
// Why (issue 7, handshake time): the Native AOT runtime keeps its type descriptors and string literals (~3 MB)
// compressed in the executable and writes them out at start into .bss (IlcDehydrate, SharpVpn.Cli.csproj). Written
// page by page, that is ~800 page faults; on a virtual machine a first touch can cost ~10 us (the hypervisor's
// shadow page tables are filled on demand), which alone is ~8 ms of a client's ~40 ms start to handshake.
// madvise(MADV_POPULATE_WRITE) maps the whole range in one system call, and MADV_HUGEPAGE first lets the kernel
// use 2 MB pages for the aligned part of it (one mapping instead of 512; honoured when transparent huge pages are
// 'always' or 'madvise', ignored when 'never'). Both are hints: on a kernel without them (POPULATE_WRITE: Linux
// 5.14) the calls fail and the pages fault in one by one, as before.
//
// It runs from .preinit_array: the first code of the program the dynamic loader calls, after relocation and
// before any constructor, so before the runtime starts. Linked into the Native AOT executable only
// (SharpVpn.Cli.csproj); SHARPVPN_NO_PREFAULT=1 turns it off (to measure it, or if it ever misbehaves).
#include <elf.h>
#include <link.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

#define HUGE_PAGE ((uintptr_t)2 << 20)

static uintptr_t round_up(uintptr_t value, uintptr_t alignment)
{
    return (value + alignment - 1) & ~(alignment - 1);
}

static void prefault_range(uintptr_t start, uintptr_t end)
{
    uintptr_t huge_start = round_up(start, HUGE_PAGE);
    uintptr_t huge_end = end & ~(HUGE_PAGE - 1);
    if (huge_end > huge_start)
    {
        (void)madvise((void *)huge_start, huge_end - huge_start, MADV_HUGEPAGE);
    }
    (void)madvise((void *)start, end - start, MADV_POPULATE_WRITE);
}

static void sharpvpn_prefault_data(int argc, char **argv, char **envp)
{
    (void)argc;
    (void)argv;
    (void)envp;
    const char *off = getenv("SHARPVPN_NO_PREFAULT");
    if (off != NULL && strcmp(off, "1") == 0)
    {
        return;
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

// Loads and initialises OpenSSL on a thread of its own from the first instant of 'sharpvpn client|server'.
//
// Why (issue 7, handshake time): every packet of a session, the first reset included, needs OpenSSL (tls-crypt,
// then TLS), and loading it costs a .NET process about 3 ms: the libraries' relocations, .NET's crypto shim binding
// its ~1000 OpenSSL functions (one dlsym each), OPENSSL_init_ssl with its configuration file, the first public-key
// decoding, the first algorithm fetches and the first SSL_CTX. Managed code (OpenSslWarmup) can start that only at
// Main, after the runtime's own ~3 ms of start-up. This ELF constructor runs before the runtime starts, so the load
// overlaps it: the thread runs the shim's own one-time initialisation (CryptoNative_EnsureOpenSslInitialized,
// statically linked into the Native AOT executable, guarded by pthread_once), so the managed side later finds
// everything done, in the shim's order and with its flags. Linked into the Native AOT executables only
// (src/Executable.targets); SHARPVPN_NO_OPENSSL_PRELOAD=1 turns it off.
#define _GNU_SOURCE // pthread_attr_setaffinity_np, sched_getcpu
#include <dlfcn.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

// linux/membarrier.h
#define SV_MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED (1 << 4)

// .NET's crypto shim (libSystem.Security.Cryptography.Native.OpenSsl.a, part of the same link): its one-time
// initialisation, 0 on success. It aborts the process if no libssl can be loaded, as the first managed crypto
// call would; preload() calls it only once libssl.so.3 has loaded.
extern int32_t CryptoNative_EnsureOpenSslInitialized(void);

typedef const void *(*method_fn)(void);
typedef void *(*ctx_new_fn)(const void *);
typedef void (*ctx_free_fn)(void *);
typedef void *(*fetch_fn)(void *, const char *, const char *);
typedef void (*free_fn)(void *);
typedef void *(*d2i_pubkey_fn)(void **, const unsigned char **, long);

// Fetches an algorithm once and frees it: OpenSSL 3 caches the method, so the handshake's own fetch is a lookup.
static void warm_fetch(void *library, const char *fetch_name, const char *free_name, const char *algorithm)
{
    fetch_fn fetch = (fetch_fn)dlsym(library, fetch_name);
    free_fn release = (free_fn)dlsym(library, free_name);
    if (fetch != NULL && release != NULL)
    {
        void *method = fetch(NULL, algorithm, NULL);
        if (method != NULL)
        {
            release(method);
        }
    }
}

// A P-256 public key in X.509 SubjectPublicKeyInfo form (DER): the curve's base point G, a public constant.
static const unsigned char p256_base_point_spki[91] = {
    0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce,
    0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00, 0x04, 0x6b, 0x17, 0xd1, 0xf2, 0xe1, 0x2c, 0x42, 0x47, 0xf8, 0xbc, 0xe6,
    0xe5, 0x63, 0xa4, 0x40, 0xf2, 0x77, 0x03, 0x7d, 0x81, 0x2d, 0xeb, 0x33, 0xa0, 0xf4, 0xa1, 0x39, 0x45, 0xd8, 0x98,
    0xc2, 0x96, 0x4f, 0xe3, 0x42, 0xe2, 0xfe, 0x1a, 0x7f, 0x9b, 0x8e, 0xe7, 0xeb, 0x4a, 0x7c, 0x0f, 0x9e, 0x16, 0x2b,
    0xce, 0x33, 0x57, 0x6b, 0x31, 0x5e, 0xce, 0xcb, 0xb6, 0x40, 0x68, 0x37, 0xbf, 0x51, 0xf5,
};

// Decodes a public key once and frees it. OpenSSL 3.0 decodes every certificate's public key through its decoder
// framework, whose first use in a process sets it up: the first certificate decode took ~0.55 ms and every later one
// ~0.1 ms, whatever the key type (C probe, OpenSSL 3.0 of Debian 12; an RSA certificate after an EC key: 0.1 ms).
// Done here, our own certificate's decode on the credentials' thread (on the way to the ClientHello) is a later one.
static void warm_key_decoder(void *library)
{
    d2i_pubkey_fn decode = (d2i_pubkey_fn)dlsym(library, "d2i_PUBKEY");
    free_fn release = (free_fn)dlsym(library, "EVP_PKEY_free");
    if (decode != NULL && release != NULL)
    {
        const unsigned char *next = p256_base_point_spki;
        void *key = decode(NULL, &next, (long)sizeof p256_base_point_spki);
        if (key != NULL)
        {
            release(key);
        }
    }
}

// The CPUs the process may use, as read by the constructor; the thread starts on the others and then widens to these.
static cpu_set_t process_cpus;
static int placed;

static void *preload(void *unused)
{
    (void)unused;
    if (placed)
    {
        (void)sched_setaffinity(0, sizeof process_cpus, &process_cpus);
    }
    // The name .NET's shim tries first for OpenSSL 3; without it the shim looks for its own, as it always does.
    void *ssl = dlopen("libssl.so.3", RTLD_LAZY);
    if (ssl == NULL)
    {
        return NULL;
    }
    // The shim's dlopen of the same name finds this copy. Binding its functions is ~1 ms of dlsym calls, which a
    // managed thread would otherwise make after Main; OPENSSL_init_ssl runs in there too, with .NET's flags
    // (NO_ATEXIT among them: OpenSSL must not free its state in an exit handler under runtime threads).
    if (CryptoNative_EnsureOpenSslInitialized() != 0)
    {
        return NULL;
    }

    // First what the credentials' thread needs soonest (their certificates' decoding), then the first SSL_CTX, which
    // loads the cipher, group and signature tables, and the first fetches, which fill the method caches.
    warm_key_decoder(ssl);
    method_fn tls_method = (method_fn)dlsym(ssl, "TLS_method");
    ctx_new_fn ctx_new = (ctx_new_fn)dlsym(ssl, "SSL_CTX_new");
    ctx_free_fn ctx_free = (ctx_free_fn)dlsym(ssl, "SSL_CTX_free");
    if (tls_method != NULL && ctx_new != NULL && ctx_free != NULL)
    {
        void *ctx = ctx_new(tls_method());
        if (ctx != NULL)
        {
            ctx_free(ctx);
        }
    }
    warm_fetch(ssl, "EVP_MD_fetch", "EVP_MD_free", "SHA256");
    warm_fetch(ssl, "EVP_MAC_fetch", "EVP_MAC_free", "HMAC");
    warm_fetch(ssl, "EVP_CIPHER_fetch", "EVP_CIPHER_free", "AES-256-CTR");
    warm_fetch(ssl, "EVP_CIPHER_fetch", "EVP_CIPHER_free", "AES-256-GCM");
    // The library stays loaded: .NET's shim takes this copy (dlopen of a loaded library only counts a reference).
    return NULL;
}

// glibc passes argc/argv to ELF constructors. Only the tunnel commands pay for OpenSSL this early: in sharpvpn,
// 'client' and 'server'; sharpvpn-client is built with SHARPVPN_TUNNEL_ONLY (every run of it is a tunnel).
__attribute__((constructor)) static void sharpvpn_openssl_preload(int argc, char **argv)
{
#ifndef SHARPVPN_TUNNEL_ONLY
    if (argc < 2 || (strcmp(argv[1], "client") != 0 && strcmp(argv[1], "server") != 0))
    {
        return;
    }
#else
    (void)argc;
    (void)argv;
#endif
    const char *off = getenv("SHARPVPN_NO_OPENSSL_PRELOAD");
    if (off != NULL && strcmp(off, "1") == 0)
    {
        return;
    }
    // The runtime registers for private expedited membarrier (its GC suspends threads with it) as it starts. Once
    // a process has a second thread the kernel makes that registration wait for an RCU grace period: 10-15 ms
    // here, more than this preload saves. Registered now, while single-threaded, it is immediate, and the
    // runtime's own registration finds it done (the state is per process). On a kernel without membarrier this
    // fails and the runtime falls back, as it would have.
    (void)syscall(SYS_membarrier, SV_MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0);
    // Started on another CPU than this one: Linux queues a new thread on its creator's CPU, where it would wait for the
    // runtime's start-up (this thread keeps running) until the next scheduler tick, up to 4 ms, with the other CPU
    // idle (the same as src/SharpVpn.Tls/ThreadPlacement.cs does for the managed start-up threads).
    pthread_attr_t attributes;
    int with_attributes = pthread_attr_init(&attributes) == 0;
    if (with_attributes && sched_getaffinity(0, sizeof process_cpus, &process_cpus) == 0)
    {
        cpu_set_t elsewhere = process_cpus;
        int cpu = sched_getcpu();
        if (cpu >= 0 && cpu < CPU_SETSIZE)
        {
            CPU_CLR(cpu, &elsewhere);
        }
        placed = CPU_COUNT(&elsewhere) > 0 && pthread_attr_setaffinity_np(&attributes, sizeof elsewhere, &elsewhere) == 0;
    }
    pthread_t thread;
    if (pthread_create(&thread, with_attributes ? &attributes : NULL, preload, NULL) == 0)
    {
        (void)pthread_detach(thread);
    }
    if (with_attributes)
    {
        (void)pthread_attr_destroy(&attributes);
    }
}

// Loads and initialises OpenSSL on a thread of its own from the first instant of 'sharpvpn client|server'.
//
// Why (issue 7, handshake time): every packet of a session, the first reset included, needs OpenSSL (tls-crypt,
// then TLS), and loading it costs a .NET process about 3 ms: the libraries' relocations, OPENSSL_init_ssl with its
// configuration file, the first algorithm fetches and the first SSL_CTX. The managed warm-up (OpenSslWarmup) can
// start only at Main, after the runtime's own ~3 ms of start-up. This ELF constructor runs before the runtime
// starts, so the load overlaps it. .NET's crypto shim later dlopen()s the same library and finds it loaded and
// initialised; everything here is what the shim would do first anyway, with the same flags, so no state differs.
// Linked into the Native AOT executable only (SharpVpn.Cli.csproj); SHARPVPN_NO_OPENSSL_PRELOAD=1 turns it off.
#include <dlfcn.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

// openssl/crypto.h and openssl/ssl.h (OpenSSL 1.1.1 and 3): the flags .NET's shim passes to OPENSSL_init_ssl.
// NO_ATEXIT matters most: the first init decides whether OpenSSL frees its state in an exit handler, which would
// pull it from under runtime threads still running at exit (.NET passes it for that reason).
#define SV_INIT_LOAD_CRYPTO_STRINGS 0x00000002UL
#define SV_INIT_ADD_ALL_CIPHERS 0x00000004UL
#define SV_INIT_ADD_ALL_DIGESTS 0x00000008UL
#define SV_INIT_LOAD_CONFIG 0x00000040UL
#define SV_INIT_NO_ATEXIT 0x00080000UL
#define SV_INIT_LOAD_SSL_STRINGS 0x00200000UL

// linux/membarrier.h
#define SV_MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED (1 << 4)

typedef int (*init_ssl_fn)(uint64_t, const void *);
typedef const void *(*method_fn)(void);
typedef void *(*ctx_new_fn)(const void *);
typedef void (*ctx_free_fn)(void *);
typedef void *(*fetch_fn)(void *, const char *, const char *);
typedef void (*free_fn)(void *);

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

static void *preload(void *unused)
{
    (void)unused;
    // The name .NET's shim tries first for OpenSSL 3; without it the shim looks for its own, as it always does.
    void *ssl = dlopen("libssl.so.3", RTLD_LAZY);
    if (ssl == NULL)
    {
        return NULL;
    }
    init_ssl_fn init_ssl = (init_ssl_fn)dlsym(ssl, "OPENSSL_init_ssl");
    if (init_ssl == NULL)
    {
        return NULL;
    }
    (void)init_ssl(SV_INIT_ADD_ALL_CIPHERS | SV_INIT_ADD_ALL_DIGESTS | SV_INIT_LOAD_CONFIG | SV_INIT_NO_ATEXIT |
                   SV_INIT_LOAD_CRYPTO_STRINGS | SV_INIT_LOAD_SSL_STRINGS, NULL);

    // The first SSL_CTX loads the cipher, group and signature tables; the first fetches fill the method caches.
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

// glibc passes argc/argv to ELF constructors. Only the tunnel commands pay for OpenSSL this early.
__attribute__((constructor)) static void sharpvpn_openssl_preload(int argc, char **argv)
{
    if (argc < 2 || (strcmp(argv[1], "client") != 0 && strcmp(argv[1], "server") != 0))
    {
        return;
    }
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
    pthread_t thread;
    if (pthread_create(&thread, NULL, preload, NULL) == 0)
    {
        (void)pthread_detach(thread);
    }
}

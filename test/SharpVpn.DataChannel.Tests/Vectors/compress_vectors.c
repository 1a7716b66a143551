/*
 * Produces compression test vectors with the REAL liblzo2 and liblz4 (the libraries
 * openvpn links). See README.md for how it is built and used.
 *
 *   compress_vectors gen            deterministic set: name, algorithm, input, compressed
 *   compress_vectors fuzz SEED N    N mutated/truncated frames with the libraries' verdicts
 *
 * Output: one case per line, TAB-separated, hex-encoded fields.
 *   gen:  V <name> <lzo1x_1_15|lzo1x_999|lz4> <input hex> <compressed hex>
 *   fuzz: F <lzo|lz4> <bound> <frame hex> <ok 0/1> <output hex or -> <mutation 0..4, 4 = unmodified>
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <lzo/lzo1x.h>
#include <lz4.h>

static unsigned long long rng_state = 88172645463325252ULL;
static unsigned long long rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static void hex(const unsigned char *p, size_t n)
{
    static const char d[] = "0123456789abcdef";
    if (n == 0) { putchar('-'); return; }
    for (size_t i = 0; i < n; i++) { putchar(d[p[i] >> 4]); putchar(d[p[i] & 15]); }
}

static unsigned char wrk[LZO1X_999_MEM_COMPRESS + LZO1X_1_15_MEM_COMPRESS];

static size_t make_input(int kind, size_t len, unsigned char *buf)
{
    switch (kind)
    {
        case 0: memset(buf, 0, len); break;                                   /* long zero run */
        case 1: for (size_t i = 0; i < len; i++) buf[i] = (unsigned char)rnd(); break; /* incompressible */
        case 2: { const char *t = "GET /index.html HTTP/1.1\r\nHost: intranet.example\r\nAccept: */*\r\n\r\n";
                  for (size_t i = 0; i < len; i++) buf[i] = (unsigned char)t[i % strlen(t)]; } break;
        case 3: /* IPv4 ICMP echo like `ping -s`: 28-byte header then the incrementing pattern */
                memset(buf, 0, len);
                if (len > 0) buf[0] = 0x45;
                for (size_t i = 28; i < len; i++) buf[i] = (unsigned char)(i - 28);
                break;
        case 4: /* random chunks repeated at random distances (M1..M4 matches) */
                for (size_t i = 0; i < len;)
                {
                    size_t chunk = 1 + rnd() % 40;
                    if (i > 8 && rnd() % 2)
                    {
                        size_t dist = 1 + rnd() % (i < 40000 ? i : 40000);
                        for (size_t k = 0; k < chunk && i < len; k++, i++) buf[i] = buf[i - dist];
                    }
                    else
                    {
                        for (size_t k = 0; k < chunk && i < len; k++, i++) buf[i] = (unsigned char)rnd();
                    }
                }
                break;
        case 5: /* runs of one byte with short literal breaks */
                for (size_t i = 0; i < len; i++) buf[i] = (i / 300) % 2 ? (unsigned char)rnd() : 0xAA;
                break;
    }
    return len;
}

static void gen(void)
{
    static const size_t sizes[] = { 1, 2, 3, 4, 5, 13, 20, 64, 100, 101, 255, 256, 600, 1400, 1500, 4000, 20000, 50000 };
    static unsigned char in[70000], out[70000 + 70000 / 16 + 64 + 3];
    char name[64];
    for (int kind = 0; kind <= 5; kind++)
    {
        for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++)
        {
            size_t len = sizes[s];
            if (len > 4000 && !(kind == 0 || (kind == 4 && len == 20000))) continue;
            make_input(kind, len, in);
            for (int alg = 0; alg < 3; alg++)
            {
                lzo_uint zl = 0;
                const char *an;
                if (alg == 0) { lzo1x_1_15_compress(in, len, out, &zl, wrk); an = "lzo1x_1_15"; }
                else if (alg == 1) { lzo1x_999_compress(in, len, out, &zl, wrk); an = "lzo1x_999"; }
                else { zl = (lzo_uint)LZ4_compress_default((const char *)in, (char *)out, (int)len, (int)sizeof(out)); an = "lz4"; }
                snprintf(name, sizeof name, "kind%d_len%zu", kind, len);
                printf("V\t%s\t%s\t", name, an); hex(in, len); putchar('\t'); hex(out, zl); putchar('\n');
            }
        }
    }
}

static void fuzz(unsigned long long seed, int n)
{
    static unsigned char in[4000], z[6000], m[6000], o[3000];
    rng_state = seed ? seed : 1;
    for (int c = 0; c < n; c++)
    {
        int lz4 = c % 2;
        size_t len = 1 + rnd() % 1500;
        make_input((int)(rnd() % 6), len, in);
        size_t zl;
        if (lz4) zl = (size_t)LZ4_compress_default((const char *)in, (char *)z, (int)len, (int)sizeof z);
        else { lzo_uint l = 0; if (rnd() % 2) lzo1x_999_compress(in, len, z, &l, wrk); else lzo1x_1_15_compress(in, len, z, &l, wrk); zl = l; }
        memcpy(m, z, zl);
        size_t ml = zl;
        int how = (int)(rnd() % 5);
        if (how == 0) ml = rnd() % (zl + 1);                                         /* truncate */
        else if (how == 1) { int k = 1 + rnd() % 3; while (k--) m[rnd() % ml] ^= (unsigned char)(1u << (rnd() % 8)); }  /* bit flips */
        else if (how == 2) { int k = 1 + rnd() % 4; while (k--) m[rnd() % ml] = (unsigned char)rnd(); }               /* random bytes */
        else if (how == 3) { for (size_t i = 0; i < ml; i++) m[i] = (unsigned char)rnd(); }                           /* garbage */
        /* how == 4: unmodified (must decompress) */
        size_t bound = (rnd() % 4 == 0) ? (size_t)(rnd() % (len + 1)) : 1600;          /* sometimes too small */
        int ok;
        size_t ol = 0;
        if (lz4)
        {
            int r = LZ4_decompress_safe((const char *)m, (char *)o, (int)ml, (int)bound);
            ok = r > 0; ol = ok ? (size_t)r : 0;
        }
        else
        {
            lzo_uint l = bound;
            int r = lzo1x_decompress_safe(m, ml, o, &l, NULL);
            ok = r == LZO_E_OK && l > 0; ol = ok ? l : 0;
        }
        printf("F\t%s\t%zu\t", lz4 ? "lz4" : "lzo", bound); hex(m, ml); printf("\t%d\t", ok); hex(o, ol); printf("\t%d\n", how);
    }
}

int main(int argc, char **argv)
{
    if (lzo_init() != LZO_E_OK) return 2;
    if (argc >= 2 && !strcmp(argv[1], "gen")) { gen(); return 0; }
    if (argc >= 4 && !strcmp(argv[1], "fuzz")) { fuzz(strtoull(argv[2], NULL, 10), atoi(argv[3])); return 0; }
    fprintf(stderr, "usage: %s gen | fuzz SEED N\n", argv[0]);
    return 1;
}

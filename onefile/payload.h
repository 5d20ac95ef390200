/*
 * The platform-independent part of Packyard's onefile stubs, included by stub.c (Linux) and
 * stub-windows.c (Windows): the few library functions the compiler may call, little-endian
 * reads, XXH64, LZ4 block decoding, the trailer and the manifest cursor. The payload format:
 *
 *     [stub][data: LZ4 blocks][manifest][trailer, 48 bytes]
 *
 * The includer defines PAYLOAD_CHAR (char, or wchar_t on Windows), PAYLOAD_TEXT(s) (a string
 * literal of that type) and PAYLOAD_FILE (the type of a file handle), and, after including this
 * file, struct entry (one manifest entry) and damaged(), which reports a damaged payload and
 * exits. Every function but the library ones is static.
 */
#include <stddef.h>
#include <stdint.h>

typedef unsigned char u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int64_t i64;

/* ------------------------------------------------------------------------------------------
 * The few library functions needed (the compiler may also emit calls to them)
 * ---------------------------------------------------------------------------------------- */

void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);

typedef u64 __attribute__((aligned(1), may_alias)) u64u;
typedef u32 __attribute__((aligned(1), may_alias)) u32u;

void *memcpy(void *dst, const void *src, size_t n)
{
    u8 *d = dst;
    const u8 *s = src;
    while (n >= 8) {
        *(u64u *)d = *(const u64u *)s;
        d += 8;
        s += 8;
        n -= 8;
    }
    while (n--) {
        *d++ = *s++;
    }
    return dst;
}

void *memset(void *dst, int c, size_t n)
{
    u8 *d = dst;
    while (n--) {
        *d++ = (u8)c;
    }
    return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const u8 *x = a, *y = b;
    for (size_t i = 0; i < n; i++) {
        if (x[i] != y[i]) {
            return x[i] < y[i] ? -1 : 1;
        }
    }
    return 0;
}

static u64 rd64(const u8 *p) { return *(const u64u *)p; }
static u32 rd32(const u8 *p) { return *(const u32u *)p; }
static u16 rd16(const u8 *p) { return (u16)(p[0] | p[1] << 8); }

/* ------------------------------------------------------------------------------------------
 * XXH64 (https://github.com/Cyan4973/xxHash/blob/dev/doc/xxhash_spec.md), seed 0
 * ---------------------------------------------------------------------------------------- */

#define P1 0x9E3779B185EBCA87ull
#define P2 0xC2B2AE3D27D4EB4Full
#define P3 0x165667B19E3779F9ull
#define P4 0x85EBCA77C2B2AE63ull
#define P5 0x27D4EB2F165667C5ull

static u64 rotl(u64 x, int r) { return (x << r) | (x >> (64 - r)); }
static u64 xround(u64 acc, u64 in) { return rotl(acc + in * P2, 31) * P1; }
static u64 xmerge(u64 acc, u64 v) { return (acc ^ xround(0, v)) * P1 + P4; }

struct xxh {
    u64 v[4];
    u64 total;
    u8 mem[32];
    u32 memn;
};

static void xxh_init(struct xxh *h)
{
    h->v[0] = P1 + P2;
    h->v[1] = P2;
    h->v[2] = 0;
    h->v[3] = (u64)0 - P1;
    h->total = 0;
    h->memn = 0;
}

static void xxh_update(struct xxh *h, const u8 *p, size_t n)
{
    h->total += n;
    if (h->memn + n < 32) {
        memcpy(h->mem + h->memn, p, n);
        h->memn += (u32)n;
        return;
    }
    if (h->memn) {
        size_t k = 32 - h->memn;
        memcpy(h->mem + h->memn, p, k);
        for (int i = 0; i < 4; i++) {
            h->v[i] = xround(h->v[i], rd64(h->mem + 8 * i));
        }
        p += k;
        n -= k;
        h->memn = 0;
    }
    u64 v0 = h->v[0], v1 = h->v[1], v2 = h->v[2], v3 = h->v[3];
    while (n >= 32) {
        v0 = xround(v0, rd64(p));
        v1 = xround(v1, rd64(p + 8));
        v2 = xround(v2, rd64(p + 16));
        v3 = xround(v3, rd64(p + 24));
        p += 32;
        n -= 32;
    }
    h->v[0] = v0;
    h->v[1] = v1;
    h->v[2] = v2;
    h->v[3] = v3;
    memcpy(h->mem, p, n);
    h->memn = (u32)n;
}

static u64 xxh_digest(const struct xxh *h)
{
    u64 r;
    if (h->total >= 32) {
        r = rotl(h->v[0], 1) + rotl(h->v[1], 7) + rotl(h->v[2], 12) + rotl(h->v[3], 18);
        for (int i = 0; i < 4; i++) {
            r = xmerge(r, h->v[i]);
        }
    } else {
        r = P5;
    }
    r += h->total;
    const u8 *p = h->mem;
    size_t n = h->memn;
    while (n >= 8) {
        r = rotl(r ^ xround(0, rd64(p)), 27) * P1 + P4;
        p += 8;
        n -= 8;
    }
    if (n >= 4) {
        r = rotl(r ^ (u64)rd32(p) * P1, 23) * P2 + P3;
        p += 4;
        n -= 4;
    }
    while (n--) {
        r = rotl(r ^ (u64)*p++ * P5, 11) * P1;
    }
    r ^= r >> 33;
    r *= P2;
    r ^= r >> 29;
    r *= P3;
    r ^= r >> 32;
    return r;
}

static u64 xxh64(const u8 *p, size_t n)
{
    struct xxh h;
    xxh_init(&h);
    xxh_update(&h, p, n);
    return xxh_digest(&h);
}

/* ------------------------------------------------------------------------------------------
 * LZ4 block decoding (https://github.com/lz4/lz4/blob/dev/doc/lz4_Block_format.md), every
 * read and write bounds-checked: a damaged payload is an error, never a crash.
 * ---------------------------------------------------------------------------------------- */

static i64 lz4_decode(const u8 *src, size_t srclen, u8 *dst, size_t dstlen)
{
    const u8 *ip = src, *const iend = src + srclen;
    u8 *op = dst, *const oend = dst + dstlen;
    for (;;) {
        if (ip >= iend) {
            return -1;
        }
        unsigned token = *ip++;
        size_t lit = token >> 4;
        if (lit == 15) {
            unsigned b;
            do {
                if (ip >= iend) {
                    return -1;
                }
                b = *ip++;
                lit += b;
            } while (b == 255 && lit < srclen);
        }
        if (lit > (size_t)(iend - ip) || lit > (size_t)(oend - op)) {
            return -1;
        }
        memcpy(op, ip, lit);
        op += lit;
        ip += lit;
        if (ip == iend) {
            break; /* the last sequence has literals only */
        }
        if (iend - ip < 2) {
            return -1;
        }
        size_t off = (size_t)ip[0] | (size_t)ip[1] << 8;
        ip += 2;
        if (off == 0 || off > (size_t)(op - dst)) {
            return -1;
        }
        size_t ml = token & 15;
        if (ml == 15) {
            unsigned b;
            do {
                if (ip >= iend) {
                    return -1;
                }
                b = *ip++;
                ml += b;
            } while (b == 255 && ml < dstlen);
        }
        ml += 4;
        if (ml > (size_t)(oend - op)) {
            return -1;
        }
        const u8 *m = op - off;
        if (off >= 8 && (size_t)(oend - op) >= ml + 8) {
            /* non-overlapping 8-byte steps; may write up to 7 bytes past the match, inside dst */
            u8 *end = op + ml;
            while (op < end) {
                *(u64u *)op = *(const u64u *)m;
                op += 8;
                m += 8;
            }
            op = end;
        } else {
            while (ml--) {
                *op++ = *m++;
            }
        }
    }
    return (i64)(op - dst);
}

/* ------------------------------------------------------------------------------------------
 * The payload: trailer, manifest
 * ---------------------------------------------------------------------------------------- */

#define TRAILER_SIZE 48
#define TRAILER_MAGIC "PKYONEF1"
#define MANIFEST_MAGIC "PKYMAN01"
#define MAX_BLOCK (4u << 20)
#define BLOCK_STORED 0x80000000u

enum { K_DIR = 1, K_FILE = 2, K_LINK = 3 };

struct trailer {
    u64 manifest_off, manifest_len, manifest_hash;
    u64 data_off, data_len;
};

/*
 * The trailer t (the last TRAILER_SIZE bytes of a payload that ends at size): 1 when valid, 0
 * when it is not a trailer at all (no magic: a bare stub, a truncated file), -1 when damaged.
 * The manifest (64 bytes to 256 MiB) follows the data and ends where the trailer starts.
 */
static int trailer_parse(const u8 *t, u64 size, struct trailer *tr)
{
    if (memcmp(t + 40, TRAILER_MAGIC, 8) != 0) {
        return 0;
    }
    u64 moff = rd64(t), mlen = rd64(t + 8);
    tr->manifest_off = moff;
    tr->manifest_len = mlen;
    tr->data_off = rd64(t + 16);
    tr->data_len = rd64(t + 24);
    tr->manifest_hash = rd64(t + 32);
    if (moff > size || mlen > size - moff || moff + mlen > size - TRAILER_SIZE || tr->data_off > moff
            || tr->data_len != moff - tr->data_off || mlen < 64 || mlen > (256u << 20)) {
        return -1;
    }
    return 1;
}

static __attribute__((noreturn)) void damaged(const PAYLOAD_CHAR *what);

/* The manifest, read front to back; running past its end is damage. */
struct cursor {
    const u8 *p, *end;
};

static u32 c32(struct cursor *c)
{
    if (c->end - c->p < 4) {
        damaged(PAYLOAD_TEXT("manifest truncated"));
    }
    u32 v = rd32(c->p);
    c->p += 4;
    return v;
}

static u64 c64(struct cursor *c)
{
    if (c->end - c->p < 8) {
        damaged(PAYLOAD_TEXT("manifest truncated"));
    }
    u64 v = rd64(c->p);
    c->p += 8;
    return v;
}

struct entry;

struct command {
    PAYLOAD_CHAR *name;
    PAYLOAD_CHAR *launcher;
};

/* The payload of this onefile: where its parts are, the manifest's header, entries, commands. */
static struct {
    PAYLOAD_FILE fd;      /* the onefile itself */
    u64 data_off, data_len;
    u8 id[16];
    PAYLOAD_CHAR idhex[33];
    i64 mtime;            /* SOURCE_DATE_EPOCH: every file's mtime */
    u64 total;            /* uncompressed data size */
    u32 block_size, blocks;
    u32 n;                /* entries */
    u32 ncommands;
    PAYLOAD_CHAR *name, *version, *target;
    struct entry *e;
    struct command *cmd;
} M;

/*
 * Reads the start of the manifest m (its checksum verified) into M: the magic, version 1, the
 * flags (0), the content id (also as 32 lowercase hex digits), the mtime, the data size, the
 * block size and count, the number of entries and of commands. Returns the cursor after them,
 * at the application's name; the caller checks the numbers.
 */
static struct cursor manifest_open(const u8 *m, u64 mlen)
{
    struct cursor c = {m, m + mlen};
    if (memcmp(m, MANIFEST_MAGIC, 8) != 0) {
        damaged(PAYLOAD_TEXT("bad manifest magic"));
    }
    c.p += 8;
    u32 version = c32(&c);
    if (version != 1) {
        damaged(PAYLOAD_TEXT("unknown manifest version"));
    }
    c32(&c); /* flags, 0 */
    if (c.end - c.p < 16) {
        damaged(PAYLOAD_TEXT("manifest truncated"));
    }
    memcpy(M.id, c.p, 16);
    c.p += 16;
    static const PAYLOAD_CHAR hex[] = PAYLOAD_TEXT("0123456789abcdef");
    for (int i = 0; i < 16; i++) {
        M.idhex[2 * i] = hex[M.id[i] >> 4];
        M.idhex[2 * i + 1] = hex[M.id[i] & 15];
    }
    M.idhex[32] = 0;
    M.mtime = (i64)c64(&c);
    M.total = c64(&c);
    M.block_size = c32(&c);
    M.blocks = c32(&c);
    M.n = c32(&c);
    M.ncommands = c32(&c);
    return c;
}

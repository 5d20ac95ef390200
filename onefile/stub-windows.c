/*
 * Packyard onefile stub for Windows (x64), the twin of stub.c.
 *
 * The executable part of a `packyard build --target windows-x64 --format onefile` file, with
 * the same payload as the Linux stub reads:
 *
 *     [this stub][data: LZ4 blocks][manifest][trailer, 48 bytes]
 *
 * The first start unpacks the bundle (python\, Scripts\ launchers, ...) into
 * %LOCALAPPDATA%\Packyard\onefile\<name>-<content id>\: under an exclusive lock, into a
 * temporary directory beside it, checking every file's XXH64 while writing it, then renames
 * the complete tree into place (MoveFileExW), so a concurrent or interrupted first start never
 * leaves a half tree where a start would use it. Later starts compare the size and last-write
 * time of every entry (set to SOURCE_DATE_EPOCH when unpacking) and start the command at once.
 * A mismatch means something changed the copy: every file is hashed; a damaged copy is
 * replaced.
 *
 * Windows has no exec: the stub starts the command's launcher (Scripts\<command>.exe) as a
 * child process with the raw rest of its own command line (so the arguments arrive exactly),
 * the standard handles inherited, in a kill-on-close job object (closing the stub kills the
 * child), waits, and exits with the child's exit code. See README.md.
 *
 * No C runtime: kernel32 only (user32 loaded for a GUI stub's message box), like
 * launcher/launcher.c, so the binary is small and reproducible.
 */

#define WIN32_LEAN_AND_MEAN
#define UNICODE
#define _UNICODE
#include <windows.h>

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;
typedef long long i64;

#define EXIT_STUB 101
#define EXIT_USAGE 2

/* ---------------------------------------------------------------- no-CRT basics */

void *memset(void *dst, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);

typedef u64 __attribute__((aligned(1), may_alias)) u64u;
typedef u32 __attribute__((aligned(1), may_alias)) u32u;

void *memset(void *dst, int c, size_t n)
{
    u8 *d = dst;
    while (n--) {
        *d++ = (u8)c;
    }
    return dst;
}

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

static size_t wlen(const wchar_t *s)
{
    size_t n = 0;
    while (s[n]) {
        n++;
    }
    return n;
}

static int wequal(const wchar_t *a, const wchar_t *b)
{
    while (*a && *a == *b) {
        a++;
        b++;
    }
    return *a == *b;
}

static int wstarts(const wchar_t *s, const wchar_t *prefix)
{
    while (*prefix) {
        if (*s++ != *prefix++) {
            return 0;
        }
    }
    return 1;
}

static u64 rd64(const u8 *p) { return *(const u64u *)p; }
static u32 rd32(const u8 *p) { return *(const u32u *)p; }
static u16 rd16(const u8 *p) { return (u16)(p[0] | p[1] << 8); }

/* ---------------------------------------------------------------- errors */

static int g_gui;
static const wchar_t *g_prog = L"onefile";
static int g_debug;

static int is_valid(HANDLE h)
{
    return h != NULL && h != INVALID_HANDLE_VALUE;
}

static __attribute__((noreturn)) void die(const wchar_t *a, const wchar_t *b, const wchar_t *c, DWORD err);

static void *xalloc(size_t n)
{
    void *p = HeapAlloc(GetProcessHeap(), HEAP_ZERO_MEMORY, n ? n : 1);
    if (!p) {
        die(L"out of memory", 0, 0, 0);
    }
    return p;
}

static void xfree(void *p)
{
    if (p) {
        HeapFree(GetProcessHeap(), 0, p);
    }
}

typedef struct {
    wchar_t *s;
    size_t len, cap;
} wbuf;

static void wb_addn(wbuf *b, const wchar_t *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 128;
        while (cap < b->len + n + 1) {
            cap *= 2;
        }
        wchar_t *p = xalloc(cap * sizeof(wchar_t));
        if (b->s) {
            memcpy(p, b->s, b->len * sizeof(wchar_t));
            xfree(b->s);
        }
        b->s = p;
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n * sizeof(wchar_t));
    b->len += n;
    b->s[b->len] = 0;
}

static void wb_add(wbuf *b, const wchar_t *s)
{
    wb_addn(b, s, wlen(s));
}

static void wb_num(wbuf *b, u64 v)
{
    wchar_t t[24];
    int i = 24;
    do {
        t[--i] = (wchar_t)(L'0' + v % 10);
        v /= 10;
    } while (v);
    wb_addn(b, t + i, (size_t)(24 - i));
}

/* Writes to a console with WriteConsoleW, elsewhere as UTF-8. */
static void write_text(HANDLE h, const wchar_t *s)
{
    DWORD mode, written;
    if (!is_valid(h)) {
        return;
    }
    if (GetConsoleMode(h, &mode)) {
        WriteConsoleW(h, s, (DWORD)wlen(s), &written, NULL);
        return;
    }
    int n = WideCharToMultiByte(CP_UTF8, 0, s, (int)wlen(s), NULL, 0, NULL, NULL);
    if (n <= 0) {
        return;
    }
    char *u = xalloc((size_t)n);
    WideCharToMultiByte(CP_UTF8, 0, s, (int)wlen(s), u, n, NULL, NULL);
    WriteFile(h, u, (DWORD)n, &written, NULL);
    xfree(u);
}

typedef int(WINAPI *message_box_fn)(HWND, LPCWSTR, LPCWSTR, UINT);

static void say(const wchar_t *a, const wchar_t *b, const wchar_t *c, DWORD err)
{
    wbuf m = {0};
    wb_add(&m, a);
    if (b) {
        wb_add(&m, b);
    }
    if (c) {
        wb_add(&m, c);
    }
    if (err) {
        wchar_t *text = NULL;
        DWORD n = FormatMessageW(FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM
                        | FORMAT_MESSAGE_IGNORE_INSERTS,
                NULL, err, 0, (LPWSTR)(void *)&text, 0, NULL);
        if (n && text) {
            while (n && (text[n - 1] == L'\r' || text[n - 1] == L'\n' || text[n - 1] == L' '
                           || text[n - 1] == L'.')) {
                text[--n] = 0;
            }
            wb_add(&m, L": ");
            wb_add(&m, text);
            LocalFree(text);
        }
        wb_add(&m, L" (error ");
        wb_num(&m, err);
        wb_add(&m, L")");
    }
    wbuf line = {0};
    wb_add(&line, g_prog);
    wb_add(&line, L": ");
    wb_add(&line, m.s);
    wb_add(&line, L"\r\n");
    write_text(GetStdHandle(STD_ERROR_HANDLE), line.s);
    xfree(line.s);
    xfree(m.s);
}

static wchar_t *g_tmp_dir; /* a directory being unpacked: removed when the stub fails */
static void rm_tree(const wchar_t *path);

static __attribute__((noreturn)) void die(const wchar_t *a, const wchar_t *b, const wchar_t *c, DWORD err)
{
    say(a, b, c, err);
    if (g_gui) {
        /* a GUI program has nowhere else to say it */
        HMODULE user32 = LoadLibraryW(L"user32.dll");
        message_box_fn box = user32 ? (message_box_fn)(void *)GetProcAddress(user32, "MessageBoxW") : NULL;
        if (box && !is_valid(GetStdHandle(STD_ERROR_HANDLE))) {
            wbuf t = {0};
            wb_add(&t, a);
            if (b) {
                wb_add(&t, b);
            }
            if (c) {
                wb_add(&t, c);
            }
            box(NULL, t.s, g_prog, MB_OK | MB_ICONERROR | MB_SETFOREGROUND);
        }
    }
    if (g_tmp_dir) {
        wchar_t *t = g_tmp_dir;
        g_tmp_dir = NULL;
        rm_tree(t);
    }
    ExitProcess(EXIT_STUB);
}

static void debug(const wchar_t *a, const wchar_t *b)
{
    if (g_debug) {
        wbuf m = {0};
        wb_add(&m, L"debug: ");
        wb_add(&m, a);
        if (b) {
            wb_add(&m, b);
        }
        say(m.s, 0, 0, 0);
        xfree(m.s);
    }
}

/* ---------------------------------------------------------------- XXH64, seed 0 (as stub.c) */

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

/* ---------------------------------------------------------------- LZ4 block decoding (as stub.c) */

static long long lz4_decode(const u8 *src, size_t srclen, u8 *dst, size_t dstlen)
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
            break;
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
    return (long long)(op - dst);
}

/* ---------------------------------------------------------------- the payload */

#define TRAILER_SIZE 48
#define MAX_BLOCK (4u << 20)
#define BLOCK_STORED 0x80000000u
#define STAMP_NAME L".packyard-onefile-stamp"

enum { K_DIR = 1, K_FILE = 2, K_LINK = 3 };

struct entry {
    wchar_t *path; /* relative, backslashes */
    u64 size;
    u64 hash;
    u8 kind;
};

struct command {
    wchar_t *name;
    wchar_t *launcher;
};

static struct {
    HANDLE fd;
    u64 data_off, data_len;
    u8 id[16];
    wchar_t idhex[33];
    i64 mtime;
    u64 total;
    u32 block_size, blocks;
    u32 n, ncommands;
    wchar_t *name, *version, *target;
    struct entry *e;
    struct command *cmd;
} M;

static __attribute__((noreturn)) void damaged(const wchar_t *what)
{
    die(L"this onefile is damaged or incomplete (", what, L"); download or build it again", 0);
}

static int read_at(u64 off, void *buf, size_t n)
{
    u8 *p = buf;
    while (n > 0) {
        OVERLAPPED at = {0};
        at.Offset = (DWORD)off;
        at.OffsetHigh = (DWORD)(off >> 32);
        DWORD want = n > (1u << 30) ? (1u << 30) : (DWORD)n, got = 0;
        if (!ReadFile(M.fd, p, want, &got, &at) || got == 0) {
            return 0;
        }
        p += got;
        off += got;
        n -= got;
    }
    return 1;
}

struct cursor {
    const u8 *p, *end;
};

static u32 c32(struct cursor *c)
{
    if (c->end - c->p < 4) {
        damaged(L"manifest truncated");
    }
    u32 v = rd32(c->p);
    c->p += 4;
    return v;
}

static u64 c64(struct cursor *c)
{
    if (c->end - c->p < 8) {
        damaged(L"manifest truncated");
    }
    u64 v = rd64(c->p);
    c->p += 8;
    return v;
}

/* a u16-length-prefixed UTF-8 string, as UTF-16; '/' becomes '\' when path is set */
static wchar_t *cstr(struct cursor *c, int path)
{
    if (c->end - c->p < 2) {
        damaged(L"manifest truncated");
    }
    u16 n = rd16(c->p);
    c->p += 2;
    if ((size_t)(c->end - c->p) < n) {
        damaged(L"manifest truncated");
    }
    for (u16 i = 0; i < n; i++) {
        if (c->p[i] == 0) {
            damaged(L"NUL byte in a manifest string");
        }
    }
    int w = n ? MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, (const char *)c->p, n, NULL, 0) : 0;
    if (n && w <= 0) {
        damaged(L"a manifest string is not UTF-8");
    }
    wchar_t *s = xalloc(((size_t)w + 1) * sizeof(wchar_t));
    if (n) {
        MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, (const char *)c->p, n, s, w);
    }
    s[w] = 0;
    c->p += n;
    if (path) {
        for (int i = 0; i < w; i++) {
            if (s[i] == L'/') {
                s[i] = L'\\';
            }
        }
    }
    return s;
}

/* A relative path that stays inside the copy: no empty, "." or ".." segment, none of the
 * characters Windows reserves (so "C:" or a stray '\' cannot reach elsewhere). */
static int good_path(const wchar_t *p)
{
    if (!*p) {
        return 0;
    }
    const wchar_t *seg = p;
    for (const wchar_t *q = p;; q++) {
        if (*q == L'\\' || *q == 0) {
            size_t n = (size_t)(q - seg);
            if (n == 0 || (n == 1 && seg[0] == L'.') || (n == 2 && seg[0] == L'.' && seg[1] == L'.')) {
                return 0;
            }
            if (*q == 0) {
                return 1;
            }
            seg = q + 1;
        } else if (*q < 32 || *q == L':' || *q == L'*' || *q == L'?' || *q == L'"' || *q == L'<'
                || *q == L'>' || *q == L'|') {
            return 0;
        }
    }
}

/* The end of the payload: where an Authenticode certificate table starts, else the file's end. */
static u64 payload_end(u64 size)
{
    u8 h[512];
    if (size < sizeof h || !read_at(0, h, sizeof h)) {
        return size;
    }
    u32 pe = rd32(h + 0x3c);
    if (pe > sizeof h - 24 - 240 || memcmp(h + pe, "PE\0\0", 4) != 0 || rd16(h + pe + 24) != 0x20b) {
        return size;
    }
    const u8 *sec = h + pe + 24 + 112 + 4 * 8; /* PE32+ data directory 4: the certificate table */
    u64 off = rd32(sec), len = rd32(sec + 4);
    if (len == 0 || off > size) {
        return size;
    }
    /* signing tools pad to 8 bytes with zeros before the table */
    u8 pad[8];
    u64 end = off;
    if (end >= 8 && read_at(end - 8, pad, 8)) {
        for (int i = 7; i >= 0 && pad[i] == 0 && end > off - 7; i--) {
            end--;
        }
    }
    return end;
}

static void read_payload(void)
{
    LARGE_INTEGER sz;
    if (!GetFileSizeEx(M.fd, &sz)) {
        die(L"cannot read its own file", 0, 0, GetLastError());
    }
    u64 size = payload_end((u64)sz.QuadPart);
    u8 t[TRAILER_SIZE];
    if (size < TRAILER_SIZE || !read_at(size - TRAILER_SIZE, t, TRAILER_SIZE) || memcmp(t + 40, "PKYONEF1", 8) != 0) {
        /* an unaligned signed file: the table may follow the trailer after up to 7 zero bytes */
        die(L"this file has no Packyard onefile payload (a bare stub, or a truncated download)", 0, 0, 0);
    }
    u64 moff = rd64(t), mlen = rd64(t + 8);
    M.data_off = rd64(t + 16);
    M.data_len = rd64(t + 24);
    u64 mhash = rd64(t + 32);
    if (moff > size || mlen > size - moff || moff + mlen > size - TRAILER_SIZE || M.data_off > moff
            || M.data_len != moff - M.data_off || mlen < 64 || mlen > (256u << 20)) {
        damaged(L"bad trailer");
    }
    u8 *m = xalloc(mlen);
    if (!read_at(moff, m, mlen)) {
        die(L"cannot read its own file", 0, 0, GetLastError());
    }
    if (xxh64(m, mlen) != mhash) {
        damaged(L"manifest checksum mismatch");
    }
    if (memcmp(m, "PKYMAN01", 8) != 0) {
        damaged(L"bad manifest magic");
    }
    struct cursor c = {m + 8, m + mlen};
    if (c32(&c) != 1) {
        damaged(L"unknown manifest version");
    }
    c32(&c);
    if (c.end - c.p < 16) {
        damaged(L"manifest truncated");
    }
    memcpy(M.id, c.p, 16);
    c.p += 16;
    static const wchar_t hex[] = L"0123456789abcdef";
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
    M.name = cstr(&c, 0);
    M.version = cstr(&c, 0);
    M.target = cstr(&c, 0);
    if (M.block_size == 0 || M.block_size > MAX_BLOCK
            || (u64)M.blocks != (M.total + M.block_size - 1) / M.block_size || M.n > (1u << 24)
            || M.ncommands == 0 || M.ncommands > 4096 || M.mtime < 0) {
        damaged(L"bad manifest header");
    }
    size_t nl = wlen(M.name);
    if (nl == 0 || nl > 100 || M.name[0] == L'.' || M.name[0] == L'-') {
        damaged(L"bad application name");
    }
    for (size_t i = 0; i < nl; i++) {
        wchar_t ch = M.name[i];
        if (!((ch >= L'a' && ch <= L'z') || (ch >= L'0' && ch <= L'9') || ch == L'-' || ch == L'_' || ch == L'.')) {
            damaged(L"bad application name");
        }
    }
    M.cmd = xalloc(sizeof(struct command) * M.ncommands);
    M.e = xalloc(sizeof(struct entry) * (M.n ? M.n : 1));
    for (u32 i = 0; i < M.ncommands; i++) {
        M.cmd[i].name = cstr(&c, 0);
        M.cmd[i].launcher = cstr(&c, 1);
        if (!good_path(M.cmd[i].launcher) || !*M.cmd[i].name) {
            damaged(L"bad command");
        }
    }
    /* depth-first order: every entry's parent is a directory listed before it */
    u64 sum = 0;
    for (u32 i = 0; i < M.n; i++) {
        struct entry *e = &M.e[i];
        if (c.end - c.p < 1) {
            damaged(L"manifest truncated");
        }
        e->kind = *c.p++;
        c32(&c); /* mode: POSIX permission bits, meaningless here */
        e->path = cstr(&c, 1);
        if (!good_path(e->path) || wequal(e->path, STAMP_NAME)) {
            damaged(L"bad path");
        }
        if (e->kind == K_FILE) {
            e->size = c64(&c);
            e->hash = c64(&c);
            if (e->size > M.total - sum) {
                damaged(L"file sizes exceed the data");
            }
            sum += e->size;
        } else if (e->kind == K_LINK) {
            damaged(L"a symbolic link, which a Windows onefile cannot hold");
        } else if (e->kind != K_DIR) {
            damaged(L"unknown entry kind");
        }
        /* the parent: the longest earlier directory that is a prefix (checked by scanning back) */
        size_t l = wlen(e->path);
        while (l > 0 && e->path[l - 1] != L'\\') {
            l--;
        }
        if (l > 0) {
            int found = 0;
            for (u32 j = i; j-- > 0;) {
                struct entry *p = &M.e[j];
                if (p->kind == K_DIR && wlen(p->path) == l - 1 && memcmp(p->path, e->path, (l - 1) * sizeof(wchar_t)) == 0) {
                    found = 1;
                    break;
                }
            }
            if (!found) {
                damaged(L"an entry whose parent is not a directory listed before it");
            }
        }
    }
    if (sum != M.total || c.p != c.end) {
        damaged(L"manifest does not add up");
    }
}

/* ---------------------------------------------------------------- paths */

static wchar_t *g_root;   /* the cache root, no trailing separator */
static wchar_t *g_final;  /* <root>\<name>-<id> */
static wchar_t *g_dirname; /* <name>-<id> */
static int g_custom_root;

static wchar_t *join3(const wchar_t *a, const wchar_t *b, const wchar_t *c)
{
    wbuf w = {0};
    wb_add(&w, a);
    if (b) {
        wb_add(&w, b);
    }
    if (c) {
        wb_add(&w, c);
    }
    return w.s;
}

/* The form of a path for file APIs: "\\?\" before long drive paths (and UNC ones). */
static wchar_t *api_path(const wchar_t *path)
{
    if (wlen(path) < MAX_PATH - 12 || wstarts(path, L"\\\\?\\")) {
        return join3(path, 0, 0);
    }
    if (path[0] == L'\\' && path[1] == L'\\') {
        return join3(L"\\\\?\\UNC\\", path + 2, 0);
    }
    return join3(L"\\\\?\\", path, 0);
}

static wchar_t *getenv_w(const wchar_t *name)
{
    DWORD n = GetEnvironmentVariableW(name, NULL, 0);
    if (n == 0) {
        return NULL;
    }
    wchar_t *v = xalloc((size_t)n * sizeof(wchar_t));
    if (GetEnvironmentVariableW(name, v, n) == 0 || !v[0]) {
        xfree(v);
        return NULL;
    }
    return v;
}

static int is_absolute(const wchar_t *p)
{
    return (((p[0] | 32) >= L'a' && (p[0] | 32) <= L'z') && p[1] == L':' && (p[2] == L'\\' || p[2] == L'/'))
            || (p[0] == L'\\' && p[1] == L'\\');
}

/* Creates a directory and its missing parents. */
static void make_dirs(const wchar_t *path)
{
    wchar_t *p = join3(path, 0, 0);
    size_t n = wlen(p);
    size_t start = p[0] == L'\\' ? 2 : 3; /* after "C:\" or "\\" */
    for (size_t i = start; i <= n; i++) {
        if (i == n || p[i] == L'\\') {
            wchar_t keep = p[i];
            p[i] = 0;
            wchar_t *a = api_path(p);
            if (!CreateDirectoryW(a, NULL)) {
                DWORD e = GetLastError();
                DWORD attr = GetFileAttributesW(a);
                if (e != ERROR_ALREADY_EXISTS && !(attr != INVALID_FILE_ATTRIBUTES && (attr & FILE_ATTRIBUTE_DIRECTORY))
                        && i == n) {
                    die(L"cannot create the cache directory ", p, 0, e);
                }
            }
            xfree(a);
            p[i] = keep;
        }
    }
    xfree(p);
}

static void find_root(void)
{
    wchar_t *custom = getenv_w(L"PACKYARD_ONEFILE_CACHE");
    wchar_t *root;
    if (custom) {
        if (!is_absolute(custom)) {
            die(L"PACKYARD_ONEFILE_CACHE must be an absolute path, not ", custom, 0, 0);
        }
        root = custom;
        g_custom_root = 1;
    } else {
        wchar_t *local = getenv_w(L"LOCALAPPDATA");
        if (local && is_absolute(local)) {
            root = join3(local, L"\\Packyard\\onefile", 0);
        } else {
            wchar_t *profile = getenv_w(L"USERPROFILE");
            if (!profile || !is_absolute(profile)) {
                die(L"cannot find a cache directory: LOCALAPPDATA and USERPROFILE are not set "
                    L"(PACKYARD_ONEFILE_CACHE can name one)", 0, 0, 0);
            }
            root = join3(profile, L"\\AppData\\Local\\Packyard\\onefile", 0);
        }
    }
    size_t n = wlen(root);
    for (size_t i = 0; i < n; i++) {
        if (root[i] == L'/') {
            root[i] = L'\\';
        }
    }
    while (n > 3 && root[n - 1] == L'\\') {
        root[--n] = 0;
    }
    g_root = root;
    g_dirname = join3(M.name, L"-", M.idhex);
    g_final = join3(root, L"\\", g_dirname);
}

/* Removes a file or a directory tree (read-only attributes cleared first). */
static void rm_tree(const wchar_t *path)
{
    wchar_t *a = api_path(path);
    DWORD attr = GetFileAttributesW(a);
    if (attr == INVALID_FILE_ATTRIBUTES) {
        xfree(a);
        return;
    }
    if (attr & FILE_ATTRIBUTE_READONLY) {
        SetFileAttributesW(a, attr & ~(DWORD)FILE_ATTRIBUTE_READONLY);
    }
    if ((attr & FILE_ATTRIBUTE_DIRECTORY) && !(attr & FILE_ATTRIBUTE_REPARSE_POINT)) {
        wchar_t *pattern = join3(a, L"\\*", 0);
        WIN32_FIND_DATAW fd;
        HANDLE h = FindFirstFileW(pattern, &fd);
        if (h != INVALID_HANDLE_VALUE) {
            do {
                if (wequal(fd.cFileName, L".") || wequal(fd.cFileName, L"..")) {
                    continue;
                }
                wchar_t *child = join3(path, L"\\", fd.cFileName);
                rm_tree(child);
                xfree(child);
            } while (FindNextFileW(h, &fd));
            FindClose(h);
        }
        xfree(pattern);
        RemoveDirectoryW(a);
    } else {
        DeleteFileW(a);
    }
    xfree(a);
}

/* ---------------------------------------------------------------- the copy */

static FILETIME mtime_ft(void)
{
    u64 t = ((u64)M.mtime + 11644473600ull) * 10000000ull;
    FILETIME ft;
    ft.dwLowDateTime = (DWORD)t;
    ft.dwHighDateTime = (DWORD)(t >> 32);
    return ft;
}

/* The stamp: "PKYSTMP2" and the content id, written last before the rename. */
static int stamp_ok(const wchar_t *dir)
{
    wchar_t *p = join3(dir, L"\\", STAMP_NAME);
    wchar_t *a = api_path(p);
    HANDLE h = CreateFileW(a, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_DELETE, NULL, OPEN_EXISTING, 0, NULL);
    xfree(a);
    xfree(p);
    if (h == INVALID_HANDLE_VALUE) {
        return 0;
    }
    u8 b[32];
    DWORD got = 0;
    int ok = ReadFile(h, b, sizeof b, &got, NULL) && got == 24 && memcmp(b, "PKYSTMP2", 8) == 0
            && memcmp(b + 8, M.id, 16) == 0;
    CloseHandle(h);
    return ok;
}

/* Every entry there with its kind, size and last-write time: no reading. */
static int metadata_ok(const wchar_t *dir, int repair_times)
{
    FILETIME ft = mtime_ft();
    int ok = 1;
    for (u32 i = 0; i < M.n; i++) {
        struct entry *e = &M.e[i];
        wchar_t *p = join3(dir, L"\\", e->path);
        wchar_t *a = api_path(p);
        WIN32_FILE_ATTRIBUTE_DATA d;
        if (!GetFileAttributesExW(a, GetFileExInfoStandard, &d)) {
            ok = 0;
        } else if (e->kind == K_DIR) {
            ok &= (d.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) != 0;
        } else if ((d.dwFileAttributes & (FILE_ATTRIBUTE_DIRECTORY | FILE_ATTRIBUTE_REPARSE_POINT))
                || (((u64)d.nFileSizeHigh << 32) | d.nFileSizeLow) != e->size) {
            ok = 0;
        } else if (d.ftLastWriteTime.dwLowDateTime != ft.dwLowDateTime
                || d.ftLastWriteTime.dwHighDateTime != ft.dwHighDateTime) {
            if (repair_times) {
                HANDLE h = CreateFileW(a, FILE_WRITE_ATTRIBUTES, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                        NULL, OPEN_EXISTING, 0, NULL);
                if (h != INVALID_HANDLE_VALUE) {
                    SetFileTime(h, NULL, NULL, &ft);
                    CloseHandle(h);
                }
            } else {
                ok = 0;
            }
        }
        xfree(a);
        xfree(p);
        if (!ok) {
            if (g_debug) {
                debug(L"does not match the manifest: ", e->path);
            }
            return 0;
        }
    }
    return 1;
}

/* Every file's content against its XXH64. */
static int content_ok(const wchar_t *dir)
{
    u8 *buf = xalloc(1u << 20);
    int ok = 1;
    for (u32 i = 0; i < M.n && ok; i++) {
        struct entry *e = &M.e[i];
        if (e->kind != K_FILE) {
            continue;
        }
        wchar_t *p = join3(dir, L"\\", e->path);
        wchar_t *a = api_path(p);
        HANDLE h = CreateFileW(a, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_DELETE, NULL, OPEN_EXISTING,
                FILE_FLAG_SEQUENTIAL_SCAN, NULL);
        xfree(a);
        xfree(p);
        if (h == INVALID_HANDLE_VALUE) {
            ok = 0;
            break;
        }
        struct xxh x;
        xxh_init(&x);
        u64 total = 0;
        for (;;) {
            DWORD got = 0;
            if (!ReadFile(h, buf, 1u << 20, &got, NULL)) {
                ok = 0;
                break;
            }
            if (got == 0) {
                break;
            }
            xxh_update(&x, buf, got);
            total += got;
        }
        CloseHandle(h);
        if (ok && (total != e->size || xxh_digest(&x) != e->hash)) {
            debug(L"damaged: ", e->path);
            ok = 0;
        }
    }
    xfree(buf);
    return ok;
}

/* Reads the data blocks in order and hands out the files' bytes. */
static struct {
    u8 *raw, *out;
    u64 pos; /* file offset of the next block */
    u32 block, have, used;
} B;

static void next_block(void)
{
    if (B.block >= M.blocks) {
        damaged(L"data shorter than the manifest says");
    }
    u8 w[4];
    if (B.pos + 4 > M.data_off + M.data_len || !read_at(B.pos, w, 4)) {
        damaged(L"data truncated");
    }
    u32 word = rd32(w);
    u32 len = word & ~BLOCK_STORED;
    u32 expect = B.block + 1 < M.blocks ? M.block_size : (u32)(M.total - (u64)B.block * M.block_size);
    if (len > MAX_BLOCK + MAX_BLOCK / 255 + 16 || B.pos + 4 + len > M.data_off + M.data_len) {
        damaged(L"bad block length");
    }
    if (word & BLOCK_STORED) {
        if (len != expect || !read_at(B.pos + 4, B.out, len)) {
            damaged(L"bad stored block");
        }
    } else {
        if (!read_at(B.pos + 4, B.raw, len) || lz4_decode(B.raw, len, B.out, expect) != (long long)expect) {
            damaged(L"a data block does not decompress");
        }
    }
    B.pos += 4 + (u64)len;
    B.block++;
    B.have = expect;
    B.used = 0;
}

/* Unpacks every entry into dir (which must not exist). */
static void unpack(const wchar_t *dir)
{
    make_dirs(g_root);
    wchar_t *a = api_path(dir);
    if (!CreateDirectoryW(a, NULL)) {
        die(L"cannot create ", dir, 0, GetLastError());
    }
    xfree(a);
    g_tmp_dir = join3(dir, 0, 0);
    B.raw = xalloc(MAX_BLOCK + MAX_BLOCK / 255 + 16);
    B.out = xalloc(M.block_size + 16);
    B.pos = M.data_off;
    B.block = 0;
    B.have = B.used = 0;
    FILETIME ft = mtime_ft();
    for (u32 i = 0; i < M.n; i++) {
        struct entry *e = &M.e[i];
        wchar_t *p = join3(dir, L"\\", e->path);
        a = api_path(p);
        if (e->kind == K_DIR) {
            if (!CreateDirectoryW(a, NULL)) {
                die(L"cannot create ", p, 0, GetLastError());
            }
        } else {
            HANDLE h = CreateFileW(a, GENERIC_WRITE, 0, NULL, CREATE_NEW, FILE_ATTRIBUTE_NORMAL, NULL);
            if (h == INVALID_HANDLE_VALUE) {
                die(L"cannot create ", p, 0, GetLastError());
            }
            struct xxh x;
            xxh_init(&x);
            u64 left = e->size;
            while (left > 0) {
                if (B.used == B.have) {
                    next_block();
                }
                u32 n = B.have - B.used;
                if (n > left) {
                    n = (u32)left;
                }
                xxh_update(&x, B.out + B.used, n);
                DWORD written = 0;
                if (!WriteFile(h, B.out + B.used, n, &written, NULL) || written != n) {
                    DWORD err = GetLastError();
                    CloseHandle(h);
                    die(L"cannot write ", p, 0, err);
                }
                B.used += n;
                left -= n;
            }
            if (xxh_digest(&x) != e->hash) {
                CloseHandle(h);
                damaged(L"a file's checksum does not match");
            }
            SetFileTime(h, NULL, NULL, &ft);
            if (!CloseHandle(h)) {
                die(L"cannot write ", p, 0, GetLastError());
            }
        }
        xfree(a);
        xfree(p);
    }
    if (B.block != M.blocks || B.used != B.have) {
        damaged(L"data longer than the manifest says");
    }
    /* the stamp last: a copy with a stamp is complete */
    wchar_t *sp = join3(dir, L"\\", STAMP_NAME);
    a = api_path(sp);
    HANDLE h = CreateFileW(a, GENERIC_WRITE, 0, NULL, CREATE_NEW, FILE_ATTRIBUTE_NORMAL, NULL);
    u8 s[24];
    memcpy(s, "PKYSTMP2", 8);
    memcpy(s + 8, M.id, 16);
    DWORD written = 0;
    if (h == INVALID_HANDLE_VALUE || !WriteFile(h, s, sizeof s, &written, NULL) || written != sizeof s
            || !FlushFileBuffers(h)) {
        die(L"cannot write ", sp, 0, GetLastError());
    }
    CloseHandle(h);
    xfree(a);
    xfree(sp);
    xfree(B.raw);
    xfree(B.out);
}

static wchar_t *side_name(const wchar_t *what)
{
    wbuf w = {0};
    wb_add(&w, g_root);
    wb_add(&w, L"\\.");
    wb_add(&w, g_dirname);
    wb_add(&w, L".");
    wb_num(&w, GetCurrentProcessId());
    wb_add(&w, L"-");
    wb_num(&w, GetTickCount64());
    wb_add(&w, L".");
    wb_add(&w, what);
    return w.s;
}

/* Leftovers of interrupted unpacks of this version: ".<name>-<id>.*.tmp" and ".trash". Called
 * with the lock held, so no other unpack of this version is running. */
static void remove_leftovers(void)
{
    wchar_t *pattern = join3(g_root, L"\\.", g_dirname);
    wchar_t *pat2 = join3(pattern, L".*", 0);
    wchar_t *a = api_path(pat2);
    WIN32_FIND_DATAW fd;
    HANDLE h = FindFirstFileW(a, &fd);
    if (h != INVALID_HANDLE_VALUE) {
        do {
            size_t l = wlen(fd.cFileName);
            if ((fd.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY)
                    && ((l > 4 && wequal(fd.cFileName + l - 4, L".tmp")) || (l > 6 && wequal(fd.cFileName + l - 6, L".trash")))) {
                wchar_t *p = join3(g_root, L"\\", fd.cFileName);
                debug(L"removing a leftover: ", p);
                rm_tree(p);
                xfree(p);
            }
        } while (FindNextFileW(h, &fd));
        FindClose(h);
    }
    xfree(a);
    xfree(pat2);
    xfree(pattern);
}

static int copy_valid(void)
{
    return stamp_ok(g_final) && metadata_ok(g_final, 0);
}

/* Makes sure the copy is there and intact; unpacks or repairs it under the lock. */
static void ensure_cache(int force_verify)
{
    if (!force_verify && copy_valid()) {
        debug(L"the unpacked copy matches: ", g_final);
        return;
    }
    make_dirs(g_root);
    wchar_t *lockname = join3(g_root, L"\\.", g_dirname);
    wchar_t *lockpath = join3(lockname, L".lock", 0);
    wchar_t *a = api_path(lockpath);
    HANDLE lock = CreateFileW(a, GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
            NULL, OPEN_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
    xfree(a);
    OVERLAPPED ov = {0};
    if (lock == INVALID_HANDLE_VALUE || !LockFileEx(lock, LOCKFILE_EXCLUSIVE_LOCK, 0, 1, 0, &ov)) {
        /* no lock (a file system without it): the atomic rename still keeps starts safe */
        debug(L"no lock: ", lockpath);
    }
    for (int attempt = 0; attempt < 3; attempt++) {
        if (!force_verify && copy_valid()) {
            debug(L"unpacked meanwhile by another process: ", g_final);
            break;
        }
        DWORD attr = GetFileAttributesW(g_final);
        int exists = attr != INVALID_FILE_ATTRIBUTES;
        if (exists && (attr & FILE_ATTRIBUTE_DIRECTORY) && stamp_ok(g_final) && metadata_ok(g_final, 1)
                && content_ok(g_final)) {
            debug(L"every file checked: intact (times renewed): ", g_final);
            break;
        }
        force_verify = 0;
        if (exists) {
            say(L"the unpacked copy ", g_final, L" is damaged or incomplete; replacing it", 0);
        }
        remove_leftovers();
        wchar_t *tmp = side_name(L"tmp");
        debug(L"unpacking into ", tmp);
        unpack(tmp);
        if (exists) {
            wchar_t *trash = side_name(L"trash");
            if (!MoveFileExW(g_final, trash, 0)) {
                DWORD err = GetLastError();
                if (err != ERROR_FILE_NOT_FOUND && err != ERROR_PATH_NOT_FOUND) {
                    die(L"cannot move the damaged copy away (is the application still running from it?): ",
                            g_final, 0, err);
                }
            } else {
                rm_tree(trash);
            }
            xfree(trash);
        }
        if (!MoveFileExW(tmp, g_final, 0)) {
            DWORD err = GetLastError();
            g_tmp_dir = NULL;
            rm_tree(tmp);
            if (err != ERROR_ALREADY_EXISTS && err != ERROR_FILE_EXISTS && err != ERROR_ACCESS_DENIED) {
                die(L"cannot rename the unpacked copy to ", g_final, 0, err);
            }
            debug(L"another process unpacked it first: ", g_final);
            xfree(tmp);
            continue;
        }
        g_tmp_dir = NULL;
        debug(L"unpacked and checked: ", g_final);
        xfree(tmp);
        break;
    }
    if (lock != INVALID_HANDLE_VALUE) {
        CloseHandle(lock); /* releases the lock */
    }
    if (!copy_valid()) {
        die(L"cannot set up ", g_final, L" (it keeps changing; is another program removing it?)", 0);
    }
}

/* --packyard-cleanup: every copy of this application (all versions) and leftovers. */
static int cleanup(void)
{
    wchar_t *pattern = join3(g_root, L"\\*", 0);
    wchar_t *a = api_path(pattern);
    WIN32_FIND_DATAW fd;
    HANDLE h = FindFirstFileW(a, &fd);
    xfree(a);
    xfree(pattern);
    if (h == INVALID_HANDLE_VALUE) {
        wbuf w = {0};
        wb_add(&w, L"nothing to remove (");
        wb_add(&w, g_root);
        wb_add(&w, L" does not exist)\r\n");
        write_text(GetStdHandle(STD_OUTPUT_HANDLE), w.s);
        return 0;
    }
    size_t nl = wlen(M.name);
    int status = 0, removed = 0;
    /* collect first: removing while enumerating may skip entries */
    wchar_t **names = xalloc(sizeof(wchar_t *) * 4096);
    size_t count = 0;
    do {
        const wchar_t *n = fd.cFileName;
        const wchar_t *p = n[0] == L'.' ? n + 1 : n;
        if (memcmp(p, M.name, nl * sizeof(wchar_t)) == 0 && p[nl] == L'-' && wlen(p + nl + 1) >= 32) {
            int hex = 1;
            for (int i = 0; i < 32; i++) {
                wchar_t ch = p[nl + 1 + i];
                hex &= (ch >= L'0' && ch <= L'9') || (ch >= L'a' && ch <= L'f');
            }
            wchar_t after = p[nl + 33];
            if (hex && (n[0] == L'.' ? after == L'.' : after == 0) && count < 4096) {
                names[count++] = join3(n, 0, 0);
            }
        }
    } while (FindNextFileW(h, &fd));
    FindClose(h);
    for (size_t i = 0; i < count; i++) {
        wchar_t *path = join3(g_root, L"\\", names[i]);
        if (names[i][0] != L'.') {
            /* a copy: renamed away first, which fails while a program runs from it */
            wchar_t *trash = join3(g_root, L"\\.", names[i]);
            wchar_t *t2 = join3(trash, L".cleanup.trash", 0);
            if (!MoveFileExW(path, t2, 0)) {
                say(L"cannot remove ", path, L" (is the application running?)", GetLastError());
                status = 1;
            } else {
                rm_tree(t2);
                wbuf w = {0};
                wb_add(&w, L"removed ");
                wb_add(&w, path);
                wb_add(&w, L"\r\n");
                write_text(GetStdHandle(STD_OUTPUT_HANDLE), w.s);
                removed++;
            }
        } else {
            rm_tree(path); /* leftovers and lock files; a lock held open is not deleted */
        }
    }
    if (removed == 0 && status == 0) {
        wbuf w = {0};
        wb_add(&w, L"nothing to remove for ");
        wb_add(&w, M.name);
        wb_add(&w, L" in ");
        wb_add(&w, g_root);
        wb_add(&w, L"\r\n");
        write_text(GetStdHandle(STD_OUTPUT_HANDLE), w.s);
    }
    if (!g_custom_root) {
        RemoveDirectoryW(g_root); /* ...\Packyard\onefile, then ...\Packyard, when empty */
        wchar_t *parent = join3(g_root, 0, 0);
        size_t l = wlen(parent);
        while (l > 0 && parent[l - 1] != L'\\') {
            l--;
        }
        if (l > 3) {
            parent[l - 1] = 0;
            RemoveDirectoryW(parent);
        }
    }
    return status;
}

/* ---------------------------------------------------------------- starting the command */

static HANDLE inheritable(HANDLE h)
{
    HANDLE dup;
    if (!is_valid(h)) {
        return NULL;
    }
    if (DuplicateHandle(GetCurrentProcess(), h, GetCurrentProcess(), &dup, 0, TRUE, DUPLICATE_SAME_ACCESS)) {
        return dup;
    }
    return h;
}

static BOOL WINAPI ignore_control(DWORD event)
{
    (void)event;
    return TRUE; /* the child, on the same console, gets the event and decides */
}

/* The raw rest of the command line after argv[0] (CommandLineToArgvW's rule) and blanks. */
static const wchar_t *args_tail(const wchar_t *cl)
{
    const wchar_t *p = cl;
    if (*p == L'"') {
        p++;
        while (*p && *p != L'"') {
            p++;
        }
        if (*p) {
            p++;
        }
    } else {
        while (*p && *p != L' ' && *p != L'\t') {
            p++;
        }
    }
    while (*p == L' ' || *p == L'\t') {
        p++;
    }
    return p;
}

static __attribute__((noreturn)) void run(const struct command *cmd, const wchar_t *self, const wchar_t *tail)
{
    wchar_t *exe = join3(g_final, L"\\", cmd->launcher);
    wchar_t *exe_api = api_path(exe);
    wbuf cl = {0};
    wb_add(&cl, L"\"");
    wb_add(&cl, exe);
    wb_add(&cl, L"\"");
    if (*tail) {
        wb_add(&cl, L" ");
        wb_add(&cl, tail);
    }
    if (cl.len >= 32767) {
        die(L"the command line is too long for Windows", 0, 0, 0);
    }
    SetEnvironmentVariableW(L"PACKYARD_ONEFILE", self);
    SetEnvironmentVariableW(L"PACKYARD_ONEFILE_DIR", g_final);
    SetConsoleCtrlHandler(ignore_control, TRUE);

    STARTUPINFOW si = {0}, own = {0};
    own.cb = sizeof own;
    GetStartupInfoW(&own);
    si.cb = sizeof si;
    if (own.dwFlags & STARTF_USESHOWWINDOW) {
        si.dwFlags |= STARTF_USESHOWWINDOW;
        si.wShowWindow = own.wShowWindow;
    }
    HANDLE in = inheritable(GetStdHandle(STD_INPUT_HANDLE));
    HANDLE out = inheritable(GetStdHandle(STD_OUTPUT_HANDLE));
    HANDLE err = inheritable(GetStdHandle(STD_ERROR_HANDLE));
    if (in || out || err) {
        si.dwFlags |= STARTF_USESTDHANDLES;
        si.hStdInput = in;
        si.hStdOutput = out;
        si.hStdError = err;
    }
    HANDLE job = CreateJobObjectW(NULL, NULL);
    if (job) {
        JOBOBJECT_EXTENDED_LIMIT_INFORMATION limits = {0};
        /* closing the stub kills the launcher; what the launcher starts breaks away (the
         * launcher puts the interpreter in its own kill-on-close job) */
        limits.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE | JOB_OBJECT_LIMIT_SILENT_BREAKAWAY_OK;
        if (!SetInformationJobObject(job, JobObjectExtendedLimitInformation, &limits, sizeof limits)) {
            CloseHandle(job);
            job = NULL;
        }
    }
    if (g_debug) {
        debug(L"starting ", cl.s);
    }
    PROCESS_INFORMATION child = {0};
    if (!CreateProcessW(exe_api, cl.s, NULL, NULL, TRUE, CREATE_SUSPENDED | CREATE_UNICODE_ENVIRONMENT, NULL, NULL,
                &si, &child)) {
        die(L"cannot start ", exe, 0, GetLastError());
    }
    if (job) {
        AssignProcessToJobObject(job, child.hProcess);
    }
    ResumeThread(child.hThread);
    CloseHandle(child.hThread);
    WaitForSingleObject(child.hProcess, INFINITE);
    DWORD code = EXIT_STUB;
    if (!GetExitCodeProcess(child.hProcess, &code)) {
        die(L"cannot read the exit code of ", exe, 0, GetLastError());
    }
    ExitProcess(code);
}

/* ---------------------------------------------------------------- main */

static wchar_t *own_path(void)
{
    DWORD cap = MAX_PATH;
    for (;;) {
        wchar_t *b = xalloc(cap * sizeof(wchar_t));
        DWORD n = GetModuleFileNameW(NULL, b, cap);
        if (n == 0) {
            die(L"cannot find its own path", 0, 0, GetLastError());
        }
        if (n < cap) {
            return b;
        }
        xfree(b);
        if (cap >= 65536) {
            die(L"its own path is too long", 0, 0, 0);
        }
        cap *= 2;
    }
}

static const wchar_t *base_name(const wchar_t *path)
{
    const wchar_t *name = path;
    for (const wchar_t *p = path; *p; p++) {
        if (*p == L'\\' || *p == L'/') {
            name = p + 1;
        }
    }
    return name;
}

static void print(const wchar_t *s)
{
    write_text(GetStdHandle(STD_OUTPUT_HANDLE), s);
}

static void help(void)
{
    wbuf w = {0};
    wb_add(&w, g_prog);
    wb_add(&w, L": ");
    wb_add(&w, M.name);
    wb_add(&w, L" ");
    wb_add(&w, M.version);
    wb_add(&w, L" (");
    wb_add(&w, M.target);
    wb_add(&w, L"), a Packyard onefile executable.\r\nThe first start unpacks the application into\r\n  ");
    wb_add(&w, g_final);
    wb_add(&w, L"\r\nlater starts run it from there without unpacking.\r\n\r\nCommands (the one named like this file, else the first):\r\n");
    for (u32 i = 0; i < M.ncommands; i++) {
        wb_add(&w, L"  ");
        wb_add(&w, M.cmd[i].name);
        wb_add(&w, i == 0 ? L"  (default)\r\n" : L"\r\n");
    }
    wb_add(&w, L"\r\nOptions, recognized as the first argument only:\r\n"
               L"  --packyard-unpack    unpack now (or check and repair), print the directory, exit\r\n"
               L"  --packyard-verify    check every byte of the unpacked copy, repair it, exit\r\n"
               L"  --packyard-cleanup   remove the unpacked copies of this application (all versions)\r\n"
               L"  --packyard-help      this help\r\n\r\n"
               L"Environment: PACKYARD_ONEFILE_CACHE (the cache directory; default\r\n"
               L"%LOCALAPPDATA%\\Packyard\\onefile), PACKYARD_ONEFILE_DEBUG=1 (report what happens).\r\n"
               L"The application sees PACKYARD_ONEFILE (this file) and PACKYARD_ONEFILE_DIR.\r\n");
    print(w.s);
}

static int is_gui_subsystem(void)
{
    const unsigned char *image = (const unsigned char *)GetModuleHandleW(NULL);
    const IMAGE_DOS_HEADER *dos = (const IMAGE_DOS_HEADER *)image;
    const IMAGE_NT_HEADERS *nt = (const IMAGE_NT_HEADERS *)(image + dos->e_lfanew);
    return nt->OptionalHeader.Subsystem == IMAGE_SUBSYSTEM_WINDOWS_GUI;
}

void stub_entry(void);

void stub_entry(void)
{
    g_gui = is_gui_subsystem();
    wchar_t *self = own_path();
    g_prog = base_name(self);
    wchar_t *dbg = getenv_w(L"PACKYARD_ONEFILE_DEBUG");
    g_debug = dbg && !wequal(dbg, L"0");

    wchar_t *a = api_path(self);
    M.fd = CreateFileW(a, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_DELETE, NULL, OPEN_EXISTING, 0, NULL);
    if (M.fd == INVALID_HANDLE_VALUE) {
        die(L"cannot open its own file ", self, 0, GetLastError());
    }
    xfree(a);
    read_payload();
    find_root();

    const wchar_t *tail = args_tail(GetCommandLineW());
    if (wstarts(tail, L"--packyard-")) {
        size_t n = 0;
        while (tail[n] && tail[n] != L' ' && tail[n] != L'\t') {
            n++;
        }
        wbuf opt = {0};
        wb_addn(&opt, tail, n);
        if (wequal(opt.s, L"--packyard-help")) {
            help();
            ExitProcess(0);
        }
        if (wequal(opt.s, L"--packyard-cleanup")) {
            ExitProcess((UINT)cleanup());
        }
        if (wequal(opt.s, L"--packyard-unpack") || wequal(opt.s, L"--packyard-verify")) {
            ensure_cache(wequal(opt.s, L"--packyard-verify"));
            print(g_final);
            print(L"\r\n");
            ExitProcess(0);
        }
        say(L"unknown option ", opt.s, L" (options starting with --packyard- are the onefile's own; see --packyard-help)", 0);
        ExitProcess(EXIT_USAGE);
    }

    /* the command named like this file (notes-gui.exe, a copy or link), else the first */
    const struct command *cmd = &M.cmd[0];
    wbuf stem = {0};
    wb_add(&stem, g_prog);
    if (stem.len > 4 && (wequal(stem.s + stem.len - 4, L".exe") || wequal(stem.s + stem.len - 4, L".EXE"))) {
        stem.s[stem.len - 4] = 0;
    }
    for (u32 i = 0; i < M.ncommands; i++) {
        if (wequal(M.cmd[i].name, stem.s)) {
            cmd = &M.cmd[i];
            break;
        }
    }
    ensure_cache(0);
    CloseHandle(M.fd);
    run(cmd, self, tail);
}

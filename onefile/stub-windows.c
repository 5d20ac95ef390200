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

#define PAYLOAD_CHAR wchar_t
#define PAYLOAD_TEXT(s) L##s
#define PAYLOAD_FILE HANDLE
#include "payload.h"  /* memcpy/memset/memcmp, XXH64, LZ4, trailer, manifest header: shared with stub.c */
#include "winproc.h"  /* starting a child: shared with launcher/launcher.c */

#define EXIT_STUB 101
#define EXIT_USAGE 2

/* ---------------------------------------------------------------- no-CRT basics */

static int wstarts(const wchar_t *s, const wchar_t *prefix)
{
    while (*prefix) {
        if (*s++ != *prefix++) {
            return 0;
        }
    }
    return 1;
}

/* ---------------------------------------------------------------- errors */

static int g_gui;
static const wchar_t *g_prog = L"onefile";
static int g_debug;

static __attribute__((noreturn)) void die(const wchar_t *a, const wchar_t *b, const wchar_t *c, DWORD err);

static __attribute__((noreturn)) void out_of_memory(void)
{
    die(L"out of memory", 0, 0, 0);
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
        wb_add_error(&m, err);
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

/* ---------------------------------------------------------------- the payload */

#define STAMP_NAME L".packyard-onefile-stamp"

struct entry {
    wchar_t *path; /* relative, backslashes */
    u64 size;
    u64 hash;
    u8 kind;
};


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
    struct trailer tr;
    int valid = 0;
    if (size < TRAILER_SIZE || !read_at(size - TRAILER_SIZE, t, TRAILER_SIZE) || (valid = trailer_parse(t, size, &tr)) == 0) {
        /* an unaligned signed file: the table may follow the trailer after up to 7 zero bytes */
        die(L"this file has no Packyard onefile payload (a bare stub, or a truncated download)", 0, 0, 0);
    }
    if (valid < 0) {
        damaged(L"bad trailer");
    }
    u64 moff = tr.manifest_off, mlen = tr.manifest_len, mhash = tr.manifest_hash;
    M.data_off = tr.data_off;
    M.data_len = tr.data_len;
    u8 *m = xalloc(mlen);
    if (!read_at(moff, m, mlen)) {
        die(L"cannot read its own file", 0, 0, GetLastError());
    }
    if (xxh64(m, mlen) != mhash) {
        damaged(L"manifest checksum mismatch");
    }
    struct cursor c = manifest_open(m, mlen);
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
        if (!read_at(B.pos + 4, B.raw, len) || lz4_decode(B.raw, len, B.out, expect) != (i64)expect) {
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
    wb_add_uint(&w, GetCurrentProcessId(), 1);
    wb_add(&w, L"-");
    wb_add_uint(&w, GetTickCount64(), 1);
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

    HANDLE in = inheritable(GetStdHandle(STD_INPUT_HANDLE));
    HANDLE out = inheritable(GetStdHandle(STD_OUTPUT_HANDLE));
    HANDLE err = inheritable(GetStdHandle(STD_ERROR_HANDLE));
    STARTUPINFOW si = {0};
    child_startup_info(&si, in, out, err);
    /* closing the stub kills the launcher; what the launcher starts breaks away (the launcher
     * puts the interpreter in its own kill-on-close job) */
    HANDLE job = kill_on_close_job();
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
    wchar_t *path = NULL;
    DWORD error = 0;
    int r = module_path(&path, &error);
    if (r == 0) {
        die(L"cannot find its own path", 0, 0, error);
    }
    if (r < 0) {
        die(L"its own path is too long", 0, 0, 0);
    }
    return path;
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

    const wchar_t *tail = argument_tail(GetCommandLineW());
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

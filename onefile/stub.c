/*
 * Packyard onefile stub (Linux x86_64 and aarch64).
 *
 * The executable part of a `packyard build --format onefile` file:
 *
 *     [this stub][data: LZ4 blocks][manifest][trailer, 48 bytes]
 *
 * On the first start it unpacks the bundle into a per-user cache directory named by the
 * bundle's content hash, checks every file's XXH64 while writing it, records a stamp (inode,
 * size, mtime, ctime of every entry) and renames the directory into place. Later starts
 * compare the stamp with lstat() of every entry (no reading, no unpacking) and exec the
 * bundle's launcher. A stamp that does not match means something changed the cache: every
 * file is then hashed; a damaged cache is replaced by a fresh copy. See README.md.
 *
 * No C library: raw system calls only (the numbers, flags and struct stat come from the
 * kernel's UAPI headers), so the binary is static, small, independent of the target's libc,
 * and reproducible. Only *at() calls and renameat, which both architectures have.
 */
#define PAYLOAD_CHAR char
#define PAYLOAD_TEXT(s) s
#define PAYLOAD_FILE int
#include "payload.h" /* memcpy/memset/memcmp, XXH64, LZ4, trailer, manifest header: shared with stub-windows.c */
#include <asm/unistd.h>
#include <asm/stat.h>
#include <asm/errno.h>
#include <asm/mman.h>
#include <linux/mman.h>
#include <linux/fcntl.h>
#include <linux/stat.h>

/* ------------------------------------------------------------------------------------------
 * System calls and the entry point
 * ---------------------------------------------------------------------------------------- */

#if defined(__x86_64__)
static long sc6(long n, long a, long b, long c, long d, long e, long f)
{
    register long r10 __asm__("r10") = d;
    register long r8 __asm__("r8") = e;
    register long r9 __asm__("r9") = f;
    long ret;
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                     : "rcx", "r11", "memory");
    return ret;
}
__asm__(".text\n"
        ".globl _start\n"
        ".type _start,@function\n"
        "_start:\n"
        "    xor %ebp, %ebp\n"
        "    mov %rsp, %rdi\n"
        "    and $-16, %rsp\n"
        "    call stub_main\n"
        "    mov %eax, %edi\n"
        "    mov $231, %eax\n" /* exit_group */
        "    syscall\n"
        "    hlt\n");
#elif defined(__aarch64__)
static long sc6(long n, long a, long b, long c, long d, long e, long f)
{
    register long x8 __asm__("x8") = n;
    register long x0 __asm__("x0") = a;
    register long x1 __asm__("x1") = b;
    register long x2 __asm__("x2") = c;
    register long x3 __asm__("x3") = d;
    register long x4 __asm__("x4") = e;
    register long x5 __asm__("x5") = f;
    __asm__ volatile("svc #0"
                     : "+r"(x0)
                     : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5)
                     : "memory", "cc");
    return x0;
}
__asm__(".text\n"
        ".globl _start\n"
        ".type _start,%function\n"
        "_start:\n"
        "    mov x29, #0\n"
        "    mov x30, #0\n"
        "    mov x0, sp\n"
        "    and x1, x0, #-16\n"
        "    mov sp, x1\n"
        "    bl stub_main\n"
        "    mov x8, #94\n" /* exit_group */
        "    svc #0\n");
#else
#error "the onefile stub supports x86_64 and aarch64"
#endif

#define SC(n, a, b, c, d, e, f) sc6((n), (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), (long)(f))

struct ts { i64 sec; i64 nsec; };

struct dirent64 {
    u64 d_ino;
    i64 d_off;
    u16 d_reclen;
    u8 d_type;
    char d_name[];
};

static long s_read(int fd, void *b, size_t n) { return SC(__NR_read, fd, b, n, 0, 0, 0); }
static long s_write(int fd, const void *b, size_t n) { return SC(__NR_write, fd, b, n, 0, 0, 0); }
static long s_pread(int fd, void *b, size_t n, i64 off) { return SC(__NR_pread64, fd, b, n, off, 0, 0); }
static long s_openat(int dfd, const char *p, int fl, int mode) { return SC(__NR_openat, dfd, p, fl, mode, 0, 0); }
static long s_close(int fd) { return SC(__NR_close, fd, 0, 0, 0, 0, 0); }
static long s_fstat(int fd, struct stat *st) { return SC(__NR_fstat, fd, st, 0, 0, 0, 0); }
static long s_lstatat(int dfd, const char *p, struct stat *st)
{
    return SC(__NR_newfstatat, dfd, p, st, AT_SYMLINK_NOFOLLOW, 0, 0);
}
static long s_mkdirat(int dfd, const char *p, int mode) { return SC(__NR_mkdirat, dfd, p, mode, 0, 0, 0); }
static long s_unlinkat(int dfd, const char *p, int fl) { return SC(__NR_unlinkat, dfd, p, fl, 0, 0, 0); }
static long s_renameat(int od, const char *o, int nd, const char *n) { return SC(__NR_renameat, od, o, nd, n, 0, 0); }
static long s_symlinkat(const char *t, int dfd, const char *p) { return SC(__NR_symlinkat, t, dfd, p, 0, 0, 0); }
static long s_readlinkat(int dfd, const char *p, char *b, size_t n) { return SC(__NR_readlinkat, dfd, p, b, n, 0, 0); }
static long s_fchmod(int fd, int mode) { return SC(__NR_fchmod, fd, mode, 0, 0, 0, 0); }
static long s_futimens(int fd, const struct ts t[2]) { return SC(__NR_utimensat, fd, 0, t, 0, 0, 0); }
static long s_getdents(int fd, void *b, size_t n) { return SC(__NR_getdents64, fd, b, n, 0, 0, 0); }
static long s_lseek(int fd, i64 off, int wh) { return SC(__NR_lseek, fd, off, wh, 0, 0, 0); }
static long s_flock(int fd, int op) { return SC(__NR_flock, fd, op, 0, 0, 0, 0); }
static long s_umask(int m) { return SC(__NR_umask, m, 0, 0, 0, 0, 0); }
static long s_getpid(void) { return SC(__NR_getpid, 0, 0, 0, 0, 0, 0); }
static long s_geteuid(void) { return SC(__NR_geteuid, 0, 0, 0, 0, 0, 0); }
static long s_getcwd(char *b, size_t n) { return SC(__NR_getcwd, b, n, 0, 0, 0, 0); }
static long s_execve(const char *p, char *const *a, char *const *e) { return SC(__NR_execve, p, a, e, 0, 0, 0); }
static void *s_mmap(size_t n)
{
    return (void *)SC(__NR_mmap, 0, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}
static __attribute__((noreturn)) void s_exit(int code)
{
    for (;;) {
        SC(__NR_exit_group, code, 0, 0, 0, 0, 0);
    }
}
static u64 now_us(void)
{
    struct ts t = {0, 0};
    SC(__NR_clock_gettime, 1 /* CLOCK_MONOTONIC */, &t, 0, 0, 0, 0);
    return (u64)t.sec * 1000000u + (u64)t.nsec / 1000u;
}

/* ------------------------------------------------------------------------------------------
 * memmove (memcpy, memset and memcmp are in payload.h), string helpers, memory
 * ---------------------------------------------------------------------------------------- */

void *memmove(void *dst, const void *src, size_t n)
{
    u8 *d = dst;
    const u8 *s = src;
    if (d <= s || d >= s + n) {
        return memcpy(dst, src, n);
    }
    while (n--) {
        d[n] = s[n];
    }
    return dst;
}

static size_t slen(const char *s)
{
    size_t n = 0;
    while (s[n]) {
        n++;
    }
    return n;
}

static int seq(const char *a, const char *b)
{
    while (*a && *a == *b) {
        a++;
        b++;
    }
    return *a == *b;
}

static int starts(const char *s, const char *prefix)
{
    while (*prefix) {
        if (*s++ != *prefix++) {
            return 0;
        }
    }
    return 1;
}

/* A bump allocator over anonymous mappings: nothing is freed before exec. */
static void *alloc(size_t n)
{
    static u8 *cur;
    static size_t left;
    n = (n + 15) & ~(size_t)15;
    if (n > left) {
        size_t chunk = n > (1u << 20) ? ((n + 4095) & ~(size_t)4095) : (1u << 20);
        void *p = s_mmap(chunk);
        if ((unsigned long)p > (unsigned long)-4096) {
            return 0;
        }
        if (n == chunk) {
            return p;
        }
        cur = p;
        left = chunk;
    }
    void *r = cur;
    cur += n;
    left -= n;
    return r;
}

/* ------------------------------------------------------------------------------------------
 * Messages
 * ---------------------------------------------------------------------------------------- */

#define PATH_BUF 4096

struct sb {
    char *p;
    size_t n, cap;
};

static void sb_addn(struct sb *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n && b->n + 1 < b->cap; i++) {
        b->p[b->n++] = s[i];
    }
    b->p[b->n] = 0;
}
static void sb_add(struct sb *b, const char *s) { sb_addn(b, s, slen(s)); }
static void sb_num(struct sb *b, u64 v)
{
    char t[24];
    int i = 24;
    do {
        t[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    sb_addn(b, t + i, (size_t)(24 - i));
}
/* v/10 with one decimal, for milliseconds given in tenths */
static void sb_dec1(struct sb *b, u64 tenths)
{
    sb_num(b, tenths / 10);
    sb_add(b, ".");
    sb_num(b, tenths % 10);
}

static const char *prog = "onefile";
static int debug;
static u64 t_start;

static void out_all(int fd, const char *s, size_t n)
{
    while (n > 0) {
        long w = s_write(fd, s, n);
        if (w == -EINTR) {
            continue;
        }
        if (w <= 0) {
            return;
        }
        s += w;
        n -= (size_t)w;
    }
}

static const char *errtext(long e)
{
    switch (e) {
    case EPERM: return "Operation not permitted";
    case ENOENT: return "No such file or directory";
    case EIO: return "Input/output error";
    case ENOMEM: return "Cannot allocate memory";
    case EACCES: return "Permission denied";
    case EEXIST: return "File exists";
    case ENOTDIR: return "Not a directory";
    case EISDIR: return "Is a directory";
    case EINVAL: return "Invalid argument";
    case EMFILE: return "Too many open files";
    case ENFILE: return "Too many open files in system";
    case ETXTBSY: return "Text file busy";
    case EFBIG: return "File too large";
    case ENOSPC: return "No space left on device";
    case EROFS: return "Read-only file system";
    case EMLINK: return "Too many links";
    case ENAMETOOLONG: return "File name too long";
    case ENOTEMPTY: return "Directory not empty";
    case ELOOP: return "Too many levels of symbolic links";
    case EDQUOT: return "Disk quota exceeded";
    case ENOEXEC: return "Exec format error";
    case E2BIG: return "Argument list too long";
    case EXDEV: return "Invalid cross-device link";
    case ESTALE: return "Stale file handle";
    case EOPNOTSUPP: return "Operation not supported";
    case EWOULDBLOCK: return "Resource temporarily unavailable";
    default: return "error";
    }
}

/* "PROG: msg1msg2msg3[: strerror (errno N)]\n" on stderr */
static void say(const char *a, const char *b, const char *c, long err)
{
    char buf[PATH_BUF * 2 + 512];
    struct sb s = {buf, 0, sizeof buf};
    sb_add(&s, prog);
    sb_add(&s, ": ");
    sb_add(&s, a);
    if (b) {
        sb_add(&s, b);
    }
    if (c) {
        sb_add(&s, c);
    }
    if (err) {
        sb_add(&s, ": ");
        sb_add(&s, errtext(err < 0 ? -err : err));
        sb_add(&s, " (errno ");
        sb_num(&s, (u64)(err < 0 ? -err : err));
        sb_add(&s, ")");
    }
    sb_add(&s, "\n");
    out_all(2, buf, s.n);
}

/* Failures of the stub itself exit with 101, as Packyard's Windows launchers do. */
#define EXIT_STUB 101
#define EXIT_USAGE 2

/* a directory being unpacked: removed when the stub fails */
static int tmp_rootfd = -1;
static const char *tmp_name;
static long rm_tree(int dfd, const char *name, int depth);

static __attribute__((noreturn)) void die(const char *a, const char *b, const char *c, long err)
{
    say(a, b, c, err);
    if (tmp_name) {
        const char *n = tmp_name;
        tmp_name = 0;
        rm_tree(tmp_rootfd, n, 0);
    }
    s_exit(EXIT_STUB);
}

/* ------------------------------------------------------------------------------------------
 * The payload: trailer, manifest
 * ---------------------------------------------------------------------------------------- */

#define STAMP_MAGIC "PKYSTMP1"
#define STAMP_NAME ".packyard-onefile-stamp"

struct entry {
    char *path;   /* NUL-terminated, relative */
    char *target; /* symlinks */
    u64 size;
    u64 hash;
    u32 mode;
    u8 kind;
};


static __attribute__((noreturn)) void damaged(const char *what)
{
    die("this onefile is damaged or incomplete (", what,
        "); download or build it again", 0);
}

static u8 c8(struct cursor *c)
{
    if (c->end - c->p < 1) {
        damaged("manifest truncated");
    }
    return *c->p++;
}
/* a u16-length-prefixed string without NUL bytes, copied and NUL-terminated */
static char *cstr(struct cursor *c)
{
    if (c->end - c->p < 2) {
        damaged("manifest truncated");
    }
    u16 n = rd16(c->p);
    c->p += 2;
    if ((size_t)(c->end - c->p) < n) {
        damaged("manifest truncated");
    }
    char *s = alloc((size_t)n + 1);
    if (!s) {
        die("out of memory", 0, 0, 0);
    }
    for (u16 i = 0; i < n; i++) {
        if (c->p[i] == 0) {
            damaged("NUL byte in a manifest string");
        }
        s[i] = (char)c->p[i];
    }
    s[n] = 0;
    c->p += n;
    return s;
}

/* a relative path: no empty, "." or ".." segment, no leading or trailing slash */
static int good_path(const char *p)
{
    if (!*p) {
        return 0;
    }
    const char *seg = p;
    for (const char *q = p;; q++) {
        if (*q == '/' || *q == 0) {
            size_t n = (size_t)(q - seg);
            if (n == 0 || (n == 1 && seg[0] == '.') || (n == 2 && seg[0] == '.' && seg[1] == '.')) {
                return 0;
            }
            if (*q == 0) {
                return 1;
            }
            seg = q + 1;
        }
    }
}

static void read_payload(void)
{
    struct stat st;
    long r = s_fstat(M.fd, &st);
    if (r < 0) {
        die("cannot read its own file", 0, 0, r);
    }
    u64 size = (u64)st.st_size;
    u8 t[TRAILER_SIZE];
    struct trailer tr;
    int valid = 0;
    if (size < TRAILER_SIZE || s_pread(M.fd, t, TRAILER_SIZE, (i64)(size - TRAILER_SIZE)) != TRAILER_SIZE
            || (valid = trailer_parse(t, size, &tr)) == 0) {
        die("this file has no Packyard onefile payload (a bare stub, or a truncated download)", 0, 0, 0);
    }
    if (valid < 0) {
        damaged("bad trailer");
    }
    u64 moff = tr.manifest_off, mlen = tr.manifest_len, mhash = tr.manifest_hash;
    M.data_off = tr.data_off;
    M.data_len = tr.data_len;
    u8 *m = alloc(mlen);
    if (!m) {
        die("out of memory", 0, 0, 0);
    }
    for (u64 got = 0; got < mlen;) {
        long n = s_pread(M.fd, m + got, mlen - got, (i64)(moff + got));
        if (n <= 0) {
            die("cannot read its own file", 0, 0, n < 0 ? n : EIO);
        }
        got += (u64)n;
    }
    if (xxh64(m, mlen) != mhash) {
        damaged("manifest checksum mismatch");
    }
    struct cursor c = manifest_open(m, mlen);
    M.name = cstr(&c);
    M.version = cstr(&c);
    M.target = cstr(&c);
    if (M.block_size == 0 || M.block_size > MAX_BLOCK
            || (u64)M.blocks != (M.total + M.block_size - 1) / M.block_size || M.n > (1u << 24)
            || M.ncommands == 0 || M.ncommands > 4096) {
        damaged("bad manifest header");
    }
    /* the name goes into a directory name: a normalized project name */
    size_t nl = slen(M.name);
    if (nl == 0 || nl > 100 || M.name[0] == '.' || M.name[0] == '-') {
        damaged("bad application name");
    }
    for (size_t i = 0; i < nl; i++) {
        char ch = M.name[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' || ch == '.')) {
            damaged("bad application name");
        }
    }
    M.cmd = alloc(sizeof(struct command) * M.ncommands);
    M.e = alloc(sizeof(struct entry) * (M.n ? M.n : 1));
    if (!M.cmd || !M.e) {
        die("out of memory", 0, 0, 0);
    }
    for (u32 i = 0; i < M.ncommands; i++) {
        M.cmd[i].name = cstr(&c);
        M.cmd[i].launcher = cstr(&c);
        if (!good_path(M.cmd[i].launcher) || !*M.cmd[i].name) {
            damaged("bad command");
        }
    }
    /* Entries come in depth-first order (a directory's contents follow it): every entry's
     * parent is the root or a directory on the stack, so nothing is ever written through a
     * symlink, and the tree can be created in one pass. */
    u32 *stack = alloc(sizeof(u32) * 4096);
    int depth = 0;
    u64 sum = 0;
    for (u32 i = 0; i < M.n; i++) {
        struct entry *e = &M.e[i];
        e->kind = c8(&c);
        e->mode = c32(&c);
        e->path = cstr(&c);
        if (!good_path(e->path) || (e->mode & ~07777u) || (e->mode & 07000u)
                || (e->kind != K_DIR && e->kind != K_FILE && e->kind != K_LINK)
                || (e->kind == K_DIR && (e->mode & 0700u) != 0700u)) {
            damaged("bad manifest entry");
        }
        if (e->kind == K_FILE) {
            e->size = c64(&c);
            e->hash = c64(&c);
            sum += e->size;
        } else if (e->kind == K_LINK) {
            e->target = cstr(&c);
            if (!*e->target) {
                damaged("bad symlink");
            }
        }
        size_t pl = slen(e->path);
        size_t parent = 0;
        for (size_t k = pl; k > 0; k--) {
            if (e->path[k - 1] == '/') {
                parent = k - 1;
                break;
            }
        }
        while (depth > 0) {
            const char *top = M.e[stack[depth - 1]].path;
            size_t tl = slen(top);
            if (tl == parent && memcmp(top, e->path, tl) == 0) {
                break;
            }
            depth--;
        }
        if ((depth == 0 && parent != 0) || (depth > 0 && slen(M.e[stack[depth - 1]].path) != parent)) {
            damaged("manifest entries out of order");
        }
        if (e->kind == K_DIR) {
            if (depth == 4096) {
                damaged("tree too deep");
            }
            stack[depth++] = i;
        }
        if (seq(e->path, STAMP_NAME)) {
            damaged("reserved name in the manifest");
        }
    }
    if (sum != M.total || c.p != c.end) {
        damaged("manifest sizes do not add up");
    }
    for (u32 i = 0; i < M.ncommands; i++) {
        int found = 0;
        for (u32 k = 0; k < M.n && !found; k++) {
            found = M.e[k].kind == K_FILE && seq(M.e[k].path, M.cmd[i].launcher);
        }
        if (!found) {
            damaged("a command's launcher is not in the bundle");
        }
    }
}

/* ------------------------------------------------------------------------------------------
 * Paths and directories
 * ---------------------------------------------------------------------------------------- */

static char **envp;

static const char *env(const char *name)
{
    size_t n = slen(name);
    for (char **e = envp; *e; e++) {
        if (memcmp(*e, name, n) == 0 && (*e)[n] == '=') {
            return *e + n + 1;
        }
    }
    return 0;
}

/* a = b + c + d, or die when it does not fit */
static void join(char *a, const char *b, const char *c, const char *d)
{
    struct sb s = {a, 0, PATH_BUF};
    sb_add(&s, b);
    if (c) {
        sb_add(&s, c);
    }
    if (d) {
        sb_add(&s, d);
    }
    if (s.n + 1 >= PATH_BUF) {
        die("path too long: ", a, 0, 0);
    }
}

static char root[PATH_BUF];     /* the cache root, e.g. ~/.cache/packyard/onefile */
static char dirname_[160];      /* <name>-<id>: up to 100 + 33 bytes */
static char final_[PATH_BUF];   /* root/dirname */
static int custom_root;         /* PACKYARD_ONEFILE_CACHE given */

static void find_root(void)
{
    const char *v = env("PACKYARD_ONEFILE_CACHE");
    if (v && v[0] == '/') {
        join(root, v, 0, 0);
        custom_root = 1;
    } else if (v && v[0]) {
        die("PACKYARD_ONEFILE_CACHE must be an absolute path, not ", v, 0, 0);
    } else if ((v = env("XDG_CACHE_HOME")) && v[0] == '/') {
        join(root, v, "/packyard/onefile", 0);
    } else if ((v = env("HOME")) && v[0] == '/') {
        join(root, v, "/.cache/packyard/onefile", 0);
    } else {
        die("cannot choose a cache directory: set HOME, XDG_CACHE_HOME or PACKYARD_ONEFILE_CACHE "
            "to an absolute path", 0, 0, 0);
    }
    /* strip trailing slashes */
    size_t n = slen(root);
    while (n > 1 && root[n - 1] == '/') {
        root[--n] = 0;
    }
    struct sb s = {dirname_, 0, sizeof dirname_};
    sb_add(&s, M.name);
    sb_add(&s, "-");
    sb_add(&s, M.idhex);
    join(final_, root, "/", dirname_);
}

/* mkdir -p of the cache root (new directories 0700, as the XDG spec asks); returns its fd */
static int open_root(int create)
{
    int fd = (int)s_openat(AT_FDCWD, root, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
    if (fd >= 0 || !create) {
        return fd;
    }
    char p[PATH_BUF];
    join(p, root, 0, 0);
    size_t n = slen(p);
    for (size_t i = 1; i <= n; i++) {
        if (p[i] == '/' || p[i] == 0) {
            char saved = p[i];
            p[i] = 0;
            long r = s_mkdirat(AT_FDCWD, p, 0700);
            if (r < 0 && r != -EEXIST) {
                die("cannot create the cache directory ", p,
                    " (PACKYARD_ONEFILE_CACHE can name a writable directory)", r);
            }
            p[i] = saved;
        }
    }
    fd = (int)s_openat(AT_FDCWD, root, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
    if (fd < 0) {
        die("cannot open the cache directory ", root, 0, fd);
    }
    return fd;
}

/* Another user who can rename entries of the root could swap a checked copy for theirs. */
static void check_root(int fd)
{
    struct stat st;
    if (s_fstat(fd, &st) == 0 && (st.st_mode & S_IWOTH) && !(st.st_mode & S_ISVTX)) {
        die("the cache directory ", root, " is writable by every user (and not sticky); "
            "set PACKYARD_ONEFILE_CACHE to a private directory", 0);
    }
}

/* rm -rf of name in dfd; 0 or -errno */
static long rm_tree(int dfd, const char *name, int depth)
{
    long r = s_unlinkat(dfd, name, 0);
    if (r == 0 || r == -ENOENT) {
        return 0;
    }
    if (r != -EISDIR && r != -EPERM) {
        return r;
    }
    if (depth > 256) {
        return -ELOOP;
    }
    int fd = (int)s_openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
    if (fd < 0) {
        return fd;
    }
    s_fchmod(fd, 0700);
    char buf[4096] __attribute__((aligned(8)));
    long err = 0;
    for (int removed = 1; removed && !err;) {
        removed = 0;
        s_lseek(fd, 0, 0);
        for (;;) {
            long n = s_getdents(fd, buf, sizeof buf);
            if (n < 0) {
                err = n;
            }
            if (n <= 0) {
                break;
            }
            for (long o = 0; o < n;) {
                struct dirent64 *d = (struct dirent64 *)(buf + o);
                o += d->d_reclen;
                if (seq(d->d_name, ".") || seq(d->d_name, "..")) {
                    continue;
                }
                long e = rm_tree(fd, d->d_name, depth + 1);
                if (e < 0) {
                    err = e;
                } else {
                    removed = 1;
                }
            }
        }
    }
    s_close(fd);
    if (err) {
        return err;
    }
    return s_unlinkat(dfd, name, AT_REMOVEDIR);
}

/* ------------------------------------------------------------------------------------------
 * The stamp: what lstat() said about every entry right after unpacking
 * ---------------------------------------------------------------------------------------- */

struct rec {
    u64 ino;
    u64 size;
    i64 mtime, ctime;
    u32 mtime_ns, ctime_ns;
    u32 mode;
    u32 zero;
};

static void to_rec(struct rec *r, const struct stat *st, u8 kind)
{
    memset(r, 0, sizeof *r);
    r->ino = (u64)st->st_ino;
    r->mode = (u32)st->st_mode;
    if (kind != K_DIR) {
        /* directories change when anything adds a file to them; only their identity counts */
        r->size = (u64)st->st_size;
        r->mtime = (i64)st->st_mtime;
        r->mtime_ns = (u32)st->st_mtime_nsec;
        r->ctime = (i64)st->st_ctime;
        r->ctime_ns = (u32)st->st_ctime_nsec;
    }
}

static size_t stamp_size(void) { return 8 + 16 + 8 + sizeof(struct rec) * M.n + 8; }

static long write_file_at(int dfd, const char *name, const u8 *data, size_t n)
{
    int fd = (int)s_openat(dfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0) {
        return fd;
    }
    long r = 0;
    while (n > 0) {
        long w = s_write(fd, data, n);
        if (w == -EINTR) {
            continue;
        }
        if (w <= 0) {
            r = w < 0 ? w : -EIO;
            break;
        }
        data += w;
        n -= (size_t)w;
    }
    s_close(fd);
    return r;
}

/* writes the stamp of recs into dfd (atomically: a temporary name, then rename) */
static long write_stamp(int dfd, const struct rec *recs)
{
    size_t n = stamp_size();
    u8 *s = alloc(n);
    if (!s) {
        return -ENOMEM;
    }
    memcpy(s, STAMP_MAGIC, 8);
    memcpy(s + 8, M.id, 16);
    memset(s + 24, 0, 8);
    *(u32u *)(s + 24) = M.n;
    memcpy(s + 32, recs, sizeof(struct rec) * M.n);
    *(u64u *)(s + n - 8) = xxh64(s, n - 8);
    char tmp[64];
    struct sb b = {tmp, 0, sizeof tmp};
    sb_add(&b, STAMP_NAME);
    sb_add(&b, ".");
    sb_num(&b, (u64)s_getpid());
    long r = write_file_at(dfd, tmp, s, n);
    if (r == 0) {
        r = s_renameat(dfd, tmp, dfd, STAMP_NAME);
    }
    if (r < 0) {
        s_unlinkat(dfd, tmp, 0);
    }
    return r;
}

/* 1 when every entry's lstat() matches the stamp */
static int stamp_matches(int dfd)
{
    size_t n = stamp_size();
    u8 *s = alloc(n + 1);
    if (!s) {
        return 0;
    }
    int fd = (int)s_openat(dfd, STAMP_NAME, O_RDONLY | O_NOFOLLOW | O_CLOEXEC, 0);
    if (fd < 0) {
        return 0;
    }
    size_t got = 0;
    while (got < n + 1) {
        long r = s_read(fd, s + got, n + 1 - got);
        if (r == -EINTR) {
            continue;
        }
        if (r <= 0) {
            break;
        }
        got += (size_t)r;
    }
    s_close(fd);
    if (got != n || memcmp(s, STAMP_MAGIC, 8) != 0 || memcmp(s + 8, M.id, 16) != 0 || rd32(s + 24) != M.n
            || xxh64(s, n - 8) != rd64(s + n - 8)) {
        return 0;
    }
    const struct rec *recs = (const struct rec *)(s + 32);
    for (u32 i = 0; i < M.n; i++) {
        struct stat st;
        struct rec r;
        if (s_lstatat(dfd, M.e[i].path, &st) < 0) {
            return 0;
        }
        to_rec(&r, &st, M.e[i].kind);
        if (memcmp(&r, &recs[i], sizeof r) != 0) {
            return 0;
        }
    }
    return 1;
}

/* ------------------------------------------------------------------------------------------
 * Unpacking and full verification
 * ---------------------------------------------------------------------------------------- */

static u8 *blk_out, *blk_in;

struct reader {
    u64 pos;      /* file offset of the next block */
    u32 next;     /* index of the next block */
    u64 left;     /* uncompressed bytes not yet decoded */
    size_t have;  /* bytes of the current block */
    size_t at;    /* consumed bytes of the current block */
};

static void buffers(void)
{
    if (!blk_out) {
        blk_out = alloc(MAX_BLOCK + 8);
        blk_in = alloc(MAX_BLOCK + MAX_BLOCK / 255 + 64);
        if (!blk_out || !blk_in) {
            die("out of memory", 0, 0, 0);
        }
    }
}

static void pread_all(u8 *b, size_t n, u64 off)
{
    for (size_t got = 0; got < n;) {
        long r = s_pread(M.fd, b + got, n - got, (i64)(off + got));
        if (r == -EINTR) {
            continue;
        }
        if (r <= 0) {
            if (r == 0) {
                damaged("data truncated");
            }
            die("cannot read its own file", 0, 0, r);
        }
        got += (size_t)r;
    }
}

static void next_block(struct reader *rd)
{
    if (rd->next >= M.blocks || rd->left == 0) {
        damaged("data truncated");
    }
    size_t raw = rd->left < M.block_size ? (size_t)rd->left : M.block_size;
    u8 h[4];
    if (rd->pos + 4 > M.data_off + M.data_len) {
        damaged("data truncated");
    }
    pread_all(h, 4, rd->pos);
    u32 word = rd32(h);
    size_t clen = word & ~BLOCK_STORED;
    rd->pos += 4;
    if (rd->pos + clen > M.data_off + M.data_len || clen > MAX_BLOCK + MAX_BLOCK / 255 + 16) {
        damaged("bad block size");
    }
    if (word & BLOCK_STORED) {
        if (clen != raw) {
            damaged("bad block size");
        }
        pread_all(blk_out, raw, rd->pos);
    } else {
        pread_all(blk_in, clen, rd->pos);
        if (lz4_decode(blk_in, clen, blk_out, raw) != (i64)raw) {
            damaged("corrupt compressed block");
        }
    }
    rd->pos += clen;
    rd->next++;
    rd->left -= raw;
    rd->have = raw;
    rd->at = 0;
}

static const char *cur_dir; /* for messages: the directory being unpacked into */

static __attribute__((noreturn)) void die_at(const char *what, const char *rel, long err)
{
    char p[PATH_BUF];
    join(p, cur_dir, "/", rel);
    die(what, p, 0, err);
}

/* Unpacks the bundle into the new directory `name` in rootfd, and writes its stamp. */
static void unpack(int rootfd, const char *name, const char *path)
{
    buffers();
    cur_dir = path;
    long r = s_mkdirat(rootfd, name, 0700);
    if (r < 0) {
        die("cannot create ", path, " (PACKYARD_ONEFILE_CACHE can name a writable directory)", r);
    }
    tmp_rootfd = rootfd;
    tmp_name = name;
    int dfd = (int)s_openat(rootfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
    if (dfd < 0) {
        die("cannot open ", path, 0, dfd);
    }
    struct rec *recs = alloc(sizeof(struct rec) * (M.n ? M.n : 1));
    if (!recs) {
        die("out of memory", 0, 0, 0);
    }
    struct reader rd = {M.data_off, 0, M.total, 0, 0};
    struct ts times[2] = {{M.mtime, 0}, {M.mtime, 0}};
    for (u32 i = 0; i < M.n; i++) {
        const struct entry *e = &M.e[i];
        struct stat st;
        if (e->kind == K_DIR) {
            if ((r = s_mkdirat(dfd, e->path, (int)e->mode)) < 0) {
                die_at("cannot create ", e->path, r);
            }
            if ((r = s_lstatat(dfd, e->path, &st)) < 0) {
                die_at("cannot stat ", e->path, r);
            }
        } else if (e->kind == K_LINK) {
            if ((r = s_symlinkat(e->target, dfd, e->path)) < 0) {
                die_at("cannot create the symlink ", e->path, r);
            }
            if ((r = s_lstatat(dfd, e->path, &st)) < 0) {
                die_at("cannot stat ", e->path, r);
            }
        } else {
            int fd = (int)s_openat(dfd, e->path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, (int)e->mode);
            if (fd < 0) {
                die_at("cannot create ", e->path, fd);
            }
            struct xxh h;
            xxh_init(&h);
            for (u64 left = e->size; left > 0;) {
                if (rd.at == rd.have) {
                    next_block(&rd);
                }
                size_t n = rd.have - rd.at;
                if (n > left) {
                    n = (size_t)left;
                }
                const u8 *p = blk_out + rd.at;
                xxh_update(&h, p, n);
                for (size_t k = 0; k < n;) {
                    long w = s_write(fd, p + k, n - k);
                    if (w == -EINTR) {
                        continue;
                    }
                    if (w <= 0) {
                        die_at("cannot write ", e->path, w < 0 ? w : -EIO);
                    }
                    k += (size_t)w;
                }
                rd.at += n;
                left -= n;
            }
            if (xxh_digest(&h) != e->hash) {
                damaged("a file's checksum does not match");
            }
            if ((r = s_futimens(fd, times)) < 0) {
                die_at("cannot set the time of ", e->path, r);
            }
            if ((r = s_fstat(fd, &st)) < 0) {
                die_at("cannot stat ", e->path, r);
            }
            if ((r = s_close(fd)) < 0) {
                die_at("cannot write ", e->path, r);
            }
            if ((u64)st.st_size != e->size) {
                die_at("wrong size after writing ", e->path, 0);
            }
        }
        to_rec(&recs[i], &st, e->kind);
    }
    if (rd.left != 0 || rd.at != rd.have || rd.next != M.blocks) {
        damaged("data left over");
    }
    if ((r = write_stamp(dfd, recs)) < 0) {
        die("cannot write ", path, "/" STAMP_NAME, r);
    }
    if ((r = s_fchmod(dfd, 0755)) < 0) {
        die("cannot change the mode of ", path, 0, r);
    }
    s_close(dfd);
}

/* Hashes every file, compares every entry with the manifest; on success writes a new stamp.
 * 1 when the tree is intact. */
static int verify_all(int dfd)
{
    buffers();
    struct rec *recs = alloc(sizeof(struct rec) * (M.n ? M.n : 1));
    if (!recs) {
        return 0;
    }
    for (u32 i = 0; i < M.n; i++) {
        const struct entry *e = &M.e[i];
        struct stat st;
        if (s_lstatat(dfd, e->path, &st) < 0) {
            return 0;
        }
        u32 type = (u32)st.st_mode & S_IFMT;
        if ((e->kind == K_DIR && type != S_IFDIR) || (e->kind == K_LINK && type != S_IFLNK)
                || (e->kind == K_FILE && type != S_IFREG)) {
            return 0;
        }
        if (e->kind != K_LINK && ((u32)st.st_mode & 07777u) != e->mode) {
            return 0;
        }
        if (e->kind == K_LINK) {
            size_t tl = slen(e->target);
            long n = s_readlinkat(dfd, e->path, (char *)blk_out, MAX_BLOCK);
            if (n < 0 || (size_t)n != tl || memcmp(blk_out, e->target, tl) != 0) {
                return 0;
            }
        } else if (e->kind == K_FILE) {
            if ((u64)st.st_size != e->size) {
                return 0;
            }
            int fd = (int)s_openat(dfd, e->path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC, 0);
            if (fd < 0) {
                return 0;
            }
            struct xxh h;
            xxh_init(&h);
            u64 total = 0;
            for (;;) {
                long n = s_read(fd, blk_out, MAX_BLOCK);
                if (n == -EINTR) {
                    continue;
                }
                if (n < 0) {
                    s_close(fd);
                    return 0;
                }
                if (n == 0) {
                    break;
                }
                xxh_update(&h, blk_out, (size_t)n);
                total += (u64)n;
            }
            struct stat st2;
            long fr = s_fstat(fd, &st2);
            s_close(fd);
            if (total != e->size || xxh_digest(&h) != e->hash || fr < 0) {
                return 0;
            }
            st = st2;
        }
        to_rec(&recs[i], &st, e->kind);
    }
    long r = write_stamp(dfd, recs);
    if (r < 0 && debug) {
        say("debug: the cache is intact but its stamp cannot be renewed", 0, 0, r);
    }
    return 1;
}

/* ------------------------------------------------------------------------------------------
 * The cache directory: find it valid, or make it so
 * ---------------------------------------------------------------------------------------- */

enum { ST_VALID, ST_MISSING, ST_STALE, ST_FOREIGN };

static u32 tmp_counter;

/* ".<name>-<id>.<pid>-<n>.<suffix>" */
static void side_name(char *out, size_t cap, const char *suffix)
{
    struct sb s = {out, 0, cap};
    sb_add(&s, ".");
    sb_add(&s, dirname_);
    sb_add(&s, ".");
    sb_num(&s, (u64)s_getpid());
    sb_add(&s, "-");
    sb_num(&s, tmp_counter++);
    sb_add(&s, ".");
    sb_add(&s, suffix);
}

/*
 * Opens root/dirname and takes a shared lock on it (held across exec: --packyard-cleanup
 * does not remove a copy in use). *dfd is the directory's fd for ST_VALID and ST_STALE.
 */
static int open_cache(int rootfd, int *dfd, int check)
{
    *dfd = -1;
    int fd = (int)s_openat(rootfd, dirname_, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0); /* no O_CLOEXEC */
    if (fd < 0) {
        if (fd == -ENOENT) {
            return ST_MISSING;
        }
        return ST_STALE; /* a symlink, a file, no permission...: replaced */
    }
    long r;
    while ((r = s_flock(fd, LOCK_SH)) == -EINTR) {
    }
    struct stat st, st2;
    /* still the directory at that name (cleanup or a repair may have moved it meanwhile)? */
    if (s_fstat(fd, &st) < 0 || s_lstatat(rootfd, dirname_, &st2) < 0 || st.st_ino != st2.st_ino
            || st.st_dev != st2.st_dev) {
        s_close(fd);
        return ST_MISSING;
    }
    /* ours (or root's): another user's directory could change under us at any time */
    u32 uid = (u32)s_geteuid();
    if (st.st_uid != uid && st.st_uid != 0) {
        s_close(fd);
        return ST_FOREIGN;
    }
    if (st.st_mode & 022) {
        /* writable by others: whatever is in it cannot be trusted, even after checking */
        s_close(fd);
        return ST_STALE;
    }
    *dfd = fd;
    if (!check) {
        return ST_STALE;
    }
    return stamp_matches(fd) ? ST_VALID : ST_STALE;
}

/* Removes what crashed or interrupted unpacks left: ".<name>-<id>.*.tmp" and "*.trash". */
static void remove_leftovers(int rootfd)
{
    char buf[4096] __attribute__((aligned(8)));
    char prefix[140];
    struct sb s = {prefix, 0, sizeof prefix};
    sb_add(&s, ".");
    sb_add(&s, dirname_);
    sb_add(&s, ".");
    int fd = (int)s_openat(rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
    if (fd < 0) {
        return;
    }
    for (;;) {
        long n = s_getdents(fd, buf, sizeof buf);
        if (n <= 0) {
            break;
        }
        for (long o = 0; o < n;) {
            struct dirent64 *d = (struct dirent64 *)(buf + o);
            o += d->d_reclen;
            size_t l = slen(d->d_name);
            if (starts(d->d_name, prefix) && l > 6
                    && (seq(d->d_name + l - 4, ".tmp") || seq(d->d_name + l - 6, ".trash"))) {
                rm_tree(rootfd, d->d_name, 0);
            }
        }
    }
    s_close(fd);
}

static void debug_ms(const char *what, u64 since, const char *tail)
{
    if (debug) {
        char b[256];
        struct sb d = {b, 0, sizeof b};
        sb_add(&d, "debug: ");
        sb_add(&d, what);
        sb_add(&d, " (");
        sb_dec1(&d, (now_us() - since) / 100);
        sb_add(&d, " ms): ");
        say(b, tail, 0, 0);
    }
}

static __attribute__((noreturn)) void foreign(void)
{
    die(final_, " belongs to another user; refusing to run from it "
        "(remove it, or set PACKYARD_ONEFILE_CACHE)", 0, 0);
}

/*
 * Returns the fd of a valid cache directory with a shared lock on it, unpacking or repairing
 * as needed. force_verify: hash every file even when the stamp matches (--packyard-verify).
 */
static int ensure_cache(int force_verify)
{
    int rootfd = open_root(1);
    check_root(rootfd);
    int dfd = -1, lockfd = -1;
    for (int attempt = 0; attempt < 5; attempt++) {
        if (lockfd >= 0) {
            s_close(lockfd);
            lockfd = -1;
        }
        u64 t0 = now_us();
        int st = open_cache(rootfd, &dfd, 1);
        if (st == ST_VALID && !force_verify) {
            debug_ms("every entry matches the stamp", t0, final_);
            s_close(rootfd);
            return dfd;
        }
        if (st == ST_FOREIGN) {
            foreign();
        }
        if (dfd >= 0) {
            s_close(dfd);
        }
        /* The slow path, one process at a time (the lock only saves work: the final rename
         * is what makes concurrent starts safe, also where flock does not work). */
        char lockname[160];
        struct sb s = {lockname, 0, sizeof lockname};
        sb_add(&s, ".");
        sb_add(&s, dirname_);
        sb_add(&s, ".lock");
        lockfd = (int)s_openat(rootfd, lockname, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (lockfd >= 0) {
            while (s_flock(lockfd, LOCK_EX) == -EINTR) {
            }
        }
        st = open_cache(rootfd, &dfd, 1);
        if (st == ST_VALID && !force_verify) {
            debug_ms("unpacked meanwhile by another process; every entry matches the stamp", t0, final_);
            break;
        }
        if (st == ST_FOREIGN) {
            foreign();
        }
        if (dfd >= 0) {
            /* the stamp does not match (or --packyard-verify): check every byte */
            u64 v0 = now_us();
            if (verify_all(dfd)) {
                debug_ms("every file checked: intact, stamp renewed", v0, final_);
                break;
            }
            debug_ms("every file checked: damaged", v0, final_);
            say("the unpacked copy ", final_, " is damaged; replacing it", 0);
            s_close(dfd);
            dfd = -1;
        } else if (st == ST_STALE) {
            say("the unpacked copy ", final_, " is not a private directory (writable by others, or not a "
                "directory); replacing it", 0);
        }
        force_verify = 0;
        if (lockfd >= 0) {
            remove_leftovers(rootfd);
        }
        char tmp[200], tmppath[PATH_BUF];
        side_name(tmp, sizeof tmp, "tmp");
        join(tmppath, root, "/", tmp);
        u64 u0 = now_us();
        long mask = s_umask(0);
        unpack(rootfd, tmp, tmppath);
        s_umask((int)mask);
        tmp_name = 0;
        long r;
        if (st != ST_MISSING) {
            char trash[200];
            side_name(trash, sizeof trash, "trash");
            r = s_renameat(rootfd, dirname_, rootfd, trash);
            if (r == 0) {
                rm_tree(rootfd, trash, 0);
            } else if (r != -ENOENT) {
                rm_tree(rootfd, tmp, 0);
                die("cannot move the damaged copy away: ", final_, 0, r);
            }
        }
        r = s_renameat(rootfd, tmp, rootfd, dirname_);
        if (r < 0) {
            rm_tree(rootfd, tmp, 0);
            if (r != -EEXIST && r != -ENOTEMPTY) {
                die("cannot rename the unpacked copy to ", final_, 0, r);
            }
            debug_ms("another process unpacked it first", u0, final_);
        } else {
            debug_ms("unpacked and checked", u0, final_);
            /* ours, stamped a moment ago: no need to compare the stamp again */
            if (open_cache(rootfd, &dfd, 0) == ST_STALE && dfd >= 0) {
                break;
            }
        }
    }
    if (lockfd >= 0) {
        s_close(lockfd);
    }
    if (dfd < 0) {
        die("cannot set up ", final_, " (it keeps changing; is another program removing it?)", 0);
    }
    s_close(rootfd);
    return dfd;
}

/* ------------------------------------------------------------------------------------------
 * --packyard-cleanup
 * ---------------------------------------------------------------------------------------- */

static int is_hex32(const char *s)
{
    for (int i = 0; i < 32; i++) {
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) {
            return 0;
        }
    }
    return 1;
}

/* "<name>-<32 hex>" (copy) or ".<name>-<32 hex>.<anything>" (leftover): the id, else 0 */
static const char *owned_id(const char *d, int *leftover)
{
    size_t nl = slen(M.name);
    *leftover = d[0] == '.';
    const char *p = d + *leftover;
    if (memcmp(p, M.name, nl) != 0 || p[nl] != '-' || slen(p + nl + 1) < 32 || !is_hex32(p + nl + 1)) {
        return 0;
    }
    const char *after = p + nl + 33;
    if (*leftover ? *after != '.' : *after != 0) {
        return 0;
    }
    return p + nl + 1;
}

static int cleanup(void)
{
    int rootfd = open_root(0);
    if (rootfd < 0) {
        char b[PATH_BUF + 64];
        struct sb s = {b, 0, sizeof b};
        sb_add(&s, "nothing to remove (");
        sb_add(&s, root);
        sb_add(&s, " does not exist)\n");
        out_all(1, b, s.n);
        return 0;
    }
    /* collect the names first: removing while reading a directory may skip entries */
    size_t cap = 65536, count = 0;
    char **names = alloc(sizeof(char *) * cap);
    if (!names) {
        die("out of memory", 0, 0, 0);
    }
    char buf[4096] __attribute__((aligned(8)));
    for (;;) {
        long n = s_getdents(rootfd, buf, sizeof buf);
        if (n <= 0) {
            break;
        }
        for (long o = 0; o < n;) {
            struct dirent64 *d = (struct dirent64 *)(buf + o);
            o += d->d_reclen;
            int lo;
            if (owned_id(d->d_name, &lo) && count < cap) {
                size_t l = slen(d->d_name);
                names[count] = alloc(l + 1);
                memcpy(names[count], d->d_name, l + 1);
                count++;
            }
        }
    }
    int status = 0, removed = 0;
    for (size_t i = 0; i < count; i++) {
        int lo;
        owned_id(names[i], &lo);
        if (lo) {
            continue;
        }
        char path[PATH_BUF];
        join(path, root, "/", names[i]);
        /* the copy is in use while a program started from it holds its shared lock */
        int fd = (int)s_openat(rootfd, names[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
        if (fd >= 0 && s_flock(fd, LOCK_EX | LOCK_NB) < 0) {
            say(path, " is in use by a running program; not removed", 0, 0);
            status = 1;
            s_close(fd);
            continue;
        }
        memcpy(dirname_, names[i], slen(names[i]) + 1);
        char trash[200];
        side_name(trash, sizeof trash, "trash");
        long r = s_renameat(rootfd, names[i], rootfd, trash);
        if (fd >= 0) {
            s_close(fd);
        }
        if (r == 0) {
            r = rm_tree(rootfd, trash, 0);
        } else if (r == -ENOENT) {
            r = 0; /* gone meanwhile */
        }
        if (r < 0) {
            say("cannot remove ", path, 0, r);
            status = 1;
            continue;
        }
        char b[PATH_BUF + 16];
        struct sb s = {b, 0, sizeof b};
        sb_add(&s, "removed ");
        sb_add(&s, path);
        sb_add(&s, "\n");
        out_all(1, b, s.n);
        removed++;
    }
    /* leftovers: temporary and trash directories, lock files (not while an unpack runs) */
    for (size_t i = 0; i < count; i++) {
        int lo;
        owned_id(names[i], &lo);
        if (!lo) {
            continue;
        }
        size_t l = slen(names[i]);
        if (l > 5 && seq(names[i] + l - 5, ".lock")) {
            int fd = (int)s_openat(rootfd, names[i], O_RDONLY | O_NOFOLLOW | O_CLOEXEC, 0);
            if (fd >= 0 && s_flock(fd, LOCK_EX | LOCK_NB) == 0) {
                s_unlinkat(rootfd, names[i], 0);
            }
            if (fd >= 0) {
                s_close(fd);
            }
        } else {
            char lockname[200];
            struct sb s = {lockname, 0, sizeof lockname};
            sb_addn(&s, names[i], 1 + slen(M.name) + 33);
            sb_add(&s, ".lock");
            int fd = (int)s_openat(rootfd, lockname, O_RDONLY | O_NOFOLLOW | O_CLOEXEC, 0);
            if (fd < 0 || s_flock(fd, LOCK_EX | LOCK_NB) == 0) {
                rm_tree(rootfd, names[i], 0);
            }
            if (fd >= 0) {
                s_close(fd);
            }
        }
    }
    if (removed == 0 && status == 0) {
        char b[PATH_BUF + 64];
        struct sb s = {b, 0, sizeof b};
        sb_add(&s, "nothing to remove for ");
        sb_add(&s, M.name);
        sb_add(&s, " in ");
        sb_add(&s, root);
        sb_add(&s, "\n");
        out_all(1, b, s.n);
    }
    s_close(rootfd);
    if (!custom_root) {
        /* the default root and its parent, when nothing else is in them */
        s_unlinkat(AT_FDCWD, root, AT_REMOVEDIR);
        char parent[PATH_BUF];
        join(parent, root, 0, 0);
        size_t l = slen(parent);
        while (l > 0 && parent[l - 1] != '/') {
            parent[--l] = 0;
        }
        if (l > 1) {
            parent[l - 1] = 0;
            s_unlinkat(AT_FDCWD, parent, AT_REMOVEDIR);
        }
    }
    return status;
}

/* ------------------------------------------------------------------------------------------
 * main
 * ---------------------------------------------------------------------------------------- */

static char self_path[PATH_BUF];

/* The onefile's own path: /proc/self/exe, else argv[0] (searched on PATH). Opens M.fd. */
static void find_self(const char *argv0)
{
    long n = s_readlinkat(AT_FDCWD, "/proc/self/exe", self_path, PATH_BUF - 1);
    if (n > 0) {
        self_path[n] = 0;
        M.fd = (int)s_openat(AT_FDCWD, "/proc/self/exe", O_RDONLY | O_CLOEXEC, 0);
        if (M.fd >= 0) {
            return;
        }
    }
    self_path[0] = 0;
    if (argv0 && argv0[0] == '/') {
        join(self_path, argv0, 0, 0);
    } else if (argv0 && argv0[0]) {
        int slash = 0;
        for (const char *p = argv0; *p; p++) {
            slash |= *p == '/';
        }
        if (slash) {
            char cwd[PATH_BUF];
            if (s_getcwd(cwd, sizeof cwd) > 0) {
                join(self_path, cwd, "/", argv0);
            }
        } else {
            const char *path = env("PATH");
            for (const char *p = path; p && *p;) {
                const char *end = p;
                while (*end && *end != ':') {
                    end++;
                }
                char cand[PATH_BUF];
                struct sb s = {cand, 0, sizeof cand};
                sb_addn(&s, p, (size_t)(end - p));
                sb_add(&s, "/");
                sb_add(&s, argv0);
                struct stat st;
                if (cand[0] == '/' && SC(__NR_newfstatat, AT_FDCWD, cand, &st, 0, 0, 0) == 0
                        && (st.st_mode & S_IFMT) == S_IFREG) {
                    join(self_path, cand, 0, 0);
                    break;
                }
                p = *end ? end + 1 : end;
            }
        }
    }
    if (!self_path[0] || (M.fd = (int)s_openat(AT_FDCWD, self_path, O_RDONLY | O_CLOEXEC, 0)) < 0) {
        die("cannot find its own file to read the application from (is /proc mounted?)", 0, 0, 0);
    }
}

static void help(void)
{
    char b[8192];
    struct sb s = {b, 0, sizeof b};
    sb_add(&s, prog);
    sb_add(&s, ": ");
    sb_add(&s, M.name);
    sb_add(&s, " ");
    sb_add(&s, M.version);
    sb_add(&s, " (");
    sb_add(&s, M.target);
    sb_add(&s, "), a Packyard onefile executable.\n"
               "The first start unpacks the application into\n  ");
    sb_add(&s, final_);
    sb_add(&s, "\nlater starts run it from there without unpacking.\n\n"
               "Commands (the one named like this file, else the first):\n");
    for (u32 i = 0; i < M.ncommands; i++) {
        sb_add(&s, "  ");
        sb_add(&s, M.cmd[i].name);
        sb_add(&s, i == 0 ? "  (default)\n" : "\n");
    }
    sb_add(&s, "\nOptions, recognized as the first argument only:\n"
               "  --packyard-unpack    unpack now (or check and repair), print the directory, exit\n"
               "  --packyard-verify    check every byte of the unpacked copy, repair it, exit\n"
               "  --packyard-cleanup   remove the unpacked copies of this application (all versions)\n"
               "  --packyard-help      this help\n\n"
               "Environment: PACKYARD_ONEFILE_CACHE (the cache directory; default\n"
               "$XDG_CACHE_HOME/packyard/onefile or ~/.cache/packyard/onefile),\n"
               "PACKYARD_ONEFILE_DEBUG=1 (report what happens, with timings).\n"
               "The application sees PACKYARD_ONEFILE (this file) and PACKYARD_ONEFILE_DIR.\n");
    out_all(1, b, s.n);
}

static const char *base(const char *p)
{
    const char *b = p;
    for (; *p; p++) {
        if (*p == '/' && p[1]) {
            b = p + 1;
        }
    }
    return b;
}

__attribute__((used)) int stub_main(long *sp)
{
    int argc = (int)sp[0];
    char **argv = (char **)(sp + 1);
    envp = argv + argc + 1;
    t_start = now_us();
    if (argc > 0 && argv[0] && argv[0][0]) {
        prog = base(argv[0]);
    }
    const char *dbg = env("PACKYARD_ONEFILE_DEBUG");
    debug = dbg && dbg[0] && !seq(dbg, "0");

    find_self(argc > 0 ? argv[0] : 0);
    read_payload();
    find_root();

    const char *opt = argc > 1 && starts(argv[1], "--packyard-") ? argv[1] : 0;
    if (opt) {
        if (seq(opt, "--packyard-help")) {
            help();
            return 0;
        }
        if (seq(opt, "--packyard-cleanup")) {
            return cleanup();
        }
        if (seq(opt, "--packyard-unpack") || seq(opt, "--packyard-verify")) {
            ensure_cache(seq(opt, "--packyard-verify"));
            char b[PATH_BUF + 2];
            struct sb s = {b, 0, sizeof b};
            sb_add(&s, final_);
            sb_add(&s, "\n");
            out_all(1, b, s.n);
            return 0;
        }
        say("unknown option ", opt, " (options starting with --packyard- are the onefile's own; "
            "see --packyard-help)", 0);
        return EXIT_USAGE;
    }

    /* the command named like this file (a symlink "notes-gui" to it, say), else the first */
    const struct command *cmd = &M.cmd[0];
    if (argc > 0 && argv[0]) {
        const char *b0 = base(argv[0]);
        for (u32 i = 0; i < M.ncommands; i++) {
            if (seq(M.cmd[i].name, b0)) {
                cmd = &M.cmd[i];
                break;
            }
        }
    }

    ensure_cache(0); /* its fd stays open, with the shared lock, in the application */

    char exe[PATH_BUF];
    join(exe, final_, "/", cmd->launcher);
    /* argv: the launcher, then our arguments */
    char **nargv = alloc(sizeof(char *) * ((size_t)argc + 2));
    size_t ne = 0;
    while (envp[ne]) {
        ne++;
    }
    char **nenv = alloc(sizeof(char *) * (ne + 3));
    char *e1 = alloc(slen(self_path) + 32), *e2 = alloc(slen(final_) + 32);
    if (!nargv || !nenv || !e1 || !e2) {
        die("out of memory", 0, 0, 0);
    }
    nargv[0] = exe;
    for (int i = 1; i < argc; i++) {
        nargv[i] = argv[i];
    }
    nargv[argc > 0 ? argc : 1] = 0;
    struct sb s1 = {e1, 0, slen(self_path) + 32}, s2 = {e2, 0, slen(final_) + 32};
    sb_add(&s1, "PACKYARD_ONEFILE=");
    sb_add(&s1, self_path);
    sb_add(&s2, "PACKYARD_ONEFILE_DIR=");
    sb_add(&s2, final_);
    size_t k = 0;
    for (size_t i = 0; i < ne; i++) {
        if (!starts(envp[i], "PACKYARD_ONEFILE=") && !starts(envp[i], "PACKYARD_ONEFILE_DIR=")) {
            nenv[k++] = envp[i];
        }
    }
    nenv[k++] = e1;
    nenv[k++] = e2;
    nenv[k] = 0;
    if (debug) {
        char b[64];
        struct sb d = {b, 0, sizeof b};
        sb_add(&d, "debug: ready after ");
        sb_dec1(&d, (now_us() - t_start) / 100);
        sb_add(&d, " ms, starting ");
        say(b, exe, 0, 0);
    }
    long r = s_execve(exe, nargv, nenv);
    if (r == -EACCES) {
        die("cannot start ", exe, " (a file system mounted noexec? PACKYARD_ONEFILE_CACHE can name "
            "another cache directory)", r);
    }
    die("cannot start ", exe, 0, r);
}

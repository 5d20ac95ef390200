/*
 * Packyard's Windows launcher: a small .exe that starts the Python interpreter of an installed
 * application on an entry point (console scripts, GUI scripts, install hooks) or on a script.
 *
 * One source, built twice by build.sh: with the console subsystem (launcher-console-x64.exe) and
 * with the GUI subsystem (launcher-gui-x64.exe). The code is the same; it reads the subsystem
 * from its own PE header at run time. Packyard's WindowsLauncherWriter appends a payload to a
 * copy of one of them; README.md describes the payload and the trailer that locates it.
 *
 * The launcher is built without the C runtime (no msvcrt, no mingw startup code): it imports
 * kernel32 only and loads user32 when it needs a message box. That keeps it small, free of
 * compiler-version-dependent runtime code, and reproducible.
 *
 * What it does:
 *   1. find its own path (GetModuleFileNameW, long paths included);
 *   2. read the payload from its own file: the payload ends where the Authenticode certificate
 *      table starts (PE optional header, Security data directory) or at the end of the file;
 *   3. resolve the interpreter (and site-packages, script, log) relative to its own directory;
 *   4. build the child's command line: interpreter, -I, the code (-c) or script, its own full
 *      path, then the raw tail of its own command line, so the child parses the arguments
 *      exactly as it would had it been started directly;
 *   5. start the child suspended, put it in a kill-on-close job object, resume it, wait, and
 *      exit with the child's exit code. Ctrl+C is ignored by the launcher (the child gets it).
 *
 * Failures of the launcher itself exit with 101 after a one-line message (stderr; a message
 * box for GUI launchers; the log file for hooks).
 */

#define WIN32_LEAN_AND_MEAN
#define UNICODE
#define _UNICODE
#include <windows.h>

#define LAUNCHER_FAILURE 101
#define TRAILER_SIZE 12
#define MAX_PAYLOAD (1024 * 1024)
#define MAX_COMMAND_LINE 32767

static const unsigned char MAGIC[8] = {'P', 'K', 'Y', 'L', 'N', 'C', 'H', '1'};

enum kind { KIND_UNKNOWN, KIND_CONSOLE, KIND_GUI, KIND_HOOK };

/* ---------------------------------------------------------------- no-CRT basics */

/* The compiler may emit calls to these for struct initialisation and copies. */
void *memset(void *dst, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);

void *memset(void *dst, int c, size_t n)
{
    unsigned char *d = dst;
    while (n--) {
        *d++ = (unsigned char)c;
    }
    return dst;
}

void *memcpy(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    while (n--) {
        *d++ = *s++;
    }
    return dst;
}

#include "winproc.h"

/* ---------------------------------------------------------------- state for error reporting */

static int g_gui_subsystem;
static enum kind g_kind = KIND_UNKNOWN;
static HANDLE g_log = INVALID_HANDLE_VALUE;
static const wchar_t *g_self = L"launcher";

static void report(const wchar_t *message);

static __attribute__((noreturn)) void die(const wchar_t *message)
{
    report(message);
    ExitProcess(LAUNCHER_FAILURE);
}

static __attribute__((noreturn)) void out_of_memory(void)
{
    die(L"out of memory");
}

/* ---------------------------------------------------------------- growable wide strings */

static void wb_addc(wbuf *b, wchar_t c)
{
    wb_addn(b, &c, 1);
}

static wchar_t *wdup(const wchar_t *s)
{
    wbuf b = {0};
    wb_add(&b, s);
    return b.s;
}

/* ---------------------------------------------------------------- output and errors */

typedef int(WINAPI *message_box_fn)(HWND, LPCWSTR, LPCWSTR, UINT);
typedef HWINSTA(WINAPI *get_window_station_fn)(void);
typedef BOOL(WINAPI *get_user_object_information_fn)(HANDLE, int, PVOID, DWORD, LPDWORD);

/* A message box only where someone can see it: never on a service's invisible window station,
 * where it would wait forever. */
static int interactive(HMODULE user32)
{
    get_window_station_fn station = (get_window_station_fn)(void *)GetProcAddress(user32, "GetProcessWindowStation");
    get_user_object_information_fn info =
            (get_user_object_information_fn)(void *)GetProcAddress(user32, "GetUserObjectInformationW");
    USEROBJECTFLAGS flags;
    DWORD needed;
    if (!station || !info) {
        return 0;
    }
    HWINSTA ws = station();
    if (!ws || !info(ws, UOI_FLAGS, &flags, sizeof flags, &needed)) {
        return 0;
    }
    return (flags.dwFlags & WSF_VISIBLE) != 0;
}

static void report(const wchar_t *message)
{
    wbuf line = {0};
    wb_add(&line, base_name(g_self));
    wb_add(&line, L": ");
    wb_add(&line, message);
    wb_add(&line, L"\r\n");
    if (is_valid(g_log)) {
        write_utf8(g_log, line.s, line.len);
    }
    write_text(GetStdHandle(STD_ERROR_HANDLE), line.s);
    /* A GUI command has nowhere else to say it; hooks must never block an unattended install. */
    if (g_gui_subsystem && g_kind != KIND_HOOK) {
        HMODULE user32 = LoadLibraryW(L"user32.dll");
        if (user32 && interactive(user32)) {
            message_box_fn box = (message_box_fn)(void *)GetProcAddress(user32, "MessageBoxW");
            if (box) {
                wbuf text = {0};
                wb_add(&text, message);
                wb_add(&text, L"\n\nLauncher: ");
                wb_add(&text, g_self);
                box(NULL, text.s, base_name(g_self), MB_OK | MB_ICONERROR | MB_SETFOREGROUND);
            }
        }
    }
    xfree(line.s);
}

/* "<what>: <system message> (error N)" */
static __attribute__((noreturn)) void die_error(const wchar_t *what, DWORD error)
{
    wbuf b = {0};
    wb_add(&b, what);
    wb_add_error(&b, error);
    die(b.s);
}

/* ---------------------------------------------------------------- paths */

/* The launcher's own path; grows the buffer for long paths. */
static wchar_t *own_path(void)
{
    wchar_t *path = NULL;
    DWORD error = 0;
    int r = module_path(&path, &error);
    if (r == 0) {
        die_error(L"cannot find the launcher's own path", error);
    }
    if (r < 0) {
        die(L"the launcher's own path is too long");
    }
    return path;
}

static int is_sep(wchar_t c)
{
    return c == L'\\' || c == L'/';
}

static int is_drive_absolute(const wchar_t *p)
{
    return ((p[0] >= L'A' && p[0] <= L'Z') || (p[0] >= L'a' && p[0] <= L'z')) && p[1] == L':'
            && is_sep(p[2]);
}

static int is_absolute(const wchar_t *p)
{
    return is_drive_absolute(p) || (is_sep(p[0]) && is_sep(p[1]));
}

/* Length of the root of an absolute path, separator included: "C:\", "\\server\share\",
 * "\\?\C:\", "\\?\UNC\server\share\". Backslashes only (normalize first). */
static size_t root_length(const wchar_t *p)
{
    size_t i = 0;
    if (p[0] == L'\\' && p[1] == L'\\' && (p[2] == L'?' || p[2] == L'.') && p[3] == L'\\') {
        i = 4;
        if (is_drive_absolute(p + i)) {
            return i + 3;
        }
        if ((p[i] == L'U' || p[i] == L'u') && (p[i + 1] == L'N' || p[i + 1] == L'n')
                && (p[i + 2] == L'C' || p[i + 2] == L'c') && p[i + 3] == L'\\') {
            i += 4;
        } else {
            /* \\?\Volume{...}\ and other devices: the first component is the root. */
            while (p[i] && p[i] != L'\\') {
                i++;
            }
            return p[i] ? i + 1 : i;
        }
    } else if (p[0] == L'\\' && p[1] == L'\\') {
        i = 2;
    } else if (is_drive_absolute(p)) {
        return 3;
    } else {
        return 0;
    }
    /* server\share\ */
    for (int parts = 0; parts < 2; parts++) {
        while (p[i] && p[i] != L'\\') {
            i++;
        }
        if (p[i]) {
            i++;
        }
    }
    return i;
}

/*
 * Normalizes an absolute path: '/' becomes '\', empty and "." components go, ".." removes the
 * previous component (never the root). Done here rather than by GetFullPathNameW because
 * "\\?\" paths (which GetModuleFileNameW may return) are never normalized by Windows.
 */
static wchar_t *normalize(const wchar_t *path)
{
    wchar_t *p = wdup(path);
    for (wchar_t *q = p; *q; q++) {
        if (*q == L'/') {
            *q = L'\\';
        }
    }
    size_t root = root_length(p);
    wbuf out = {0};
    wb_addn(&out, p, root);
    size_t i = root;
    size_t n = wlen(p);
    while (i < n) {
        size_t start = i;
        while (i < n && p[i] != L'\\') {
            i++;
        }
        size_t len = i - start;
        if (i < n) {
            i++;
        }
        if (len == 0 || (len == 1 && p[start] == L'.')) {
            continue;
        }
        if (len == 2 && p[start] == L'.' && p[start + 1] == L'.') {
            size_t k = out.len;
            if (k > root) {
                k--; /* the separator before this component (or the last char) */
                while (k > root && out.s[k - 1] != L'\\') {
                    k--;
                }
                out.len = k;
                out.s[k] = 0;
            }
            continue;
        }
        if (out.len > root && out.s[out.len - 1] != L'\\') {
            wb_addc(&out, L'\\');
        }
        wb_addn(&out, p + start, len);
    }
    if (out.len > root && out.s[out.len - 1] == L'\\') {
        out.s[--out.len] = 0;
    }
    if (out.len == 0) {
        wb_add(&out, L"");
    }
    xfree(p);
    return out.s;
}

/* The directory part of a path, without the trailing separator. */
static wchar_t *dir_name(const wchar_t *path)
{
    const wchar_t *name = base_name(path);
    size_t n = (size_t)(name - path);
    while (n > 0 && is_sep(path[n - 1]) && n > root_length(path)) {
        n--;
    }
    wbuf b = {0};
    wb_addn(&b, path, n);
    return b.s;
}

/* An absolute path for a payload path: absolute ones as they are, others relative to dir. */
static wchar_t *resolve(const wchar_t *dir, const wchar_t *path)
{
    if (is_absolute(path)) {
        return normalize(path);
    }
    wbuf b = {0};
    wb_add(&b, dir);
    wb_addc(&b, L'\\');
    wb_add(&b, path);
    wchar_t *result = normalize(b.s);
    xfree(b.s);
    return result;
}

/* The form of a path for file APIs: long paths get the "\\?\" prefix. */
static wchar_t *file_api_path(const wchar_t *path)
{
    if (wlen(path) < MAX_PATH - 12 || (path[0] == L'\\' && path[1] == L'\\' && path[2] == L'?')) {
        return wdup(path);
    }
    wbuf b = {0};
    if (path[0] == L'\\' && path[1] == L'\\') {
        wb_add(&b, L"\\\\?\\UNC\\");
        wb_add(&b, path + 2);
    } else {
        wb_add(&b, L"\\\\?\\");
        wb_add(&b, path);
    }
    return b.s;
}

/* ---------------------------------------------------------------- the payload */

static int read_at(HANDLE f, ULONGLONG offset, void *buffer, DWORD size)
{
    OVERLAPPED at = {0};
    at.Offset = (DWORD)offset;
    at.OffsetHigh = (DWORD)(offset >> 32);
    DWORD got = 0;
    return ReadFile(f, buffer, size, &got, &at) && got == size;
}

static unsigned long le32(const unsigned char *b)
{
    return (unsigned long)b[0] | (unsigned long)b[1] << 8 | (unsigned long)b[2] << 16
            | (unsigned long)b[3] << 24;
}

static __attribute__((noreturn)) void no_payload(const wchar_t *why)
{
    wbuf b = {0};
    wb_add(&b, L"this launcher has no usable Packyard payload (");
    wb_add(&b, why);
    wb_add(&b, L"); it is damaged or was not made by Packyard: ");
    wb_add(&b, g_self);
    die(b.s);
}

/*
 * Reads the payload: [launcher exe][payload (UTF-8)][length (4 bytes LE)][magic (8 bytes)]
 * [zero padding (0-7 bytes)][certificate table, when signed]. Returns it as UTF-16.
 */
static wchar_t *read_payload(const wchar_t *self)
{
    wchar_t *api_path = file_api_path(self);
    HANDLE f = CreateFileW(api_path, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
            NULL, OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, NULL);
    if (f == INVALID_HANDLE_VALUE) {
        wbuf b = {0};
        wb_add(&b, L"cannot read the launcher file ");
        wb_add(&b, self);
        die_error(b.s, GetLastError());
    }
    xfree(api_path);
    LARGE_INTEGER size;
    if (!GetFileSizeEx(f, &size)) {
        die_error(L"cannot read the launcher's size", GetLastError());
    }
    ULONGLONG file_size = (ULONGLONG)size.QuadPart;
    unsigned char b[8];

    /* The PE headers: where does the certificate table (if any) start? */
    if (!read_at(f, 0x3c, b, 4)) {
        no_payload(L"truncated DOS header");
    }
    ULONGLONG pe = le32(b);
    unsigned char sig[4];
    if (!read_at(f, pe, sig, 4) || sig[0] != 'P' || sig[1] != 'E' || sig[2] || sig[3]) {
        no_payload(L"no PE header");
    }
    ULONGLONG optional = pe + 4 + 20;
    if (!read_at(f, optional, b, 2)) {
        no_payload(L"truncated optional header");
    }
    unsigned magic = (unsigned)b[0] | (unsigned)b[1] << 8;
    ULONGLONG count_at;
    ULONGLONG dirs_at;
    if (magic == 0x20b) { /* PE32+ */
        count_at = optional + 108;
        dirs_at = optional + 112;
    } else if (magic == 0x10b) { /* PE32 */
        count_at = optional + 92;
        dirs_at = optional + 96;
    } else {
        no_payload(L"unknown optional header");
    }
    ULONGLONG end = file_size;
    if (!read_at(f, count_at, b, 4)) {
        no_payload(L"truncated optional header");
    }
    if (le32(b) > IMAGE_DIRECTORY_ENTRY_SECURITY) {
        if (!read_at(f, dirs_at + 8 * IMAGE_DIRECTORY_ENTRY_SECURITY, b, 8)) {
            no_payload(L"truncated data directories");
        }
        /* The Security directory's "address" is a file offset, not an RVA. */
        ULONGLONG cert = le32(b);
        ULONGLONG cert_size = le32(b + 4);
        if (cert != 0 && cert_size != 0) {
            if (cert > file_size) {
                no_payload(L"the certificate table lies beyond the end of the file");
            }
            end = cert;
        }
    }

    /* Signing tools pad to 8 bytes before the certificate table: skip up to 7 zero bytes. */
    unsigned char tail[TRAILER_SIZE + 7];
    DWORD tail_size = (DWORD)(end < sizeof tail ? end : sizeof tail);
    if (tail_size < TRAILER_SIZE || !read_at(f, end - tail_size, tail, tail_size)) {
        no_payload(L"file too short");
    }
    DWORD stop = tail_size;
    while (stop > TRAILER_SIZE && tail_size - stop < 7 && tail[stop - 1] == 0) {
        stop--;
    }
    for (int i = 0; i < 8; i++) {
        if (tail[stop - 8 + i] != MAGIC[i]) {
            no_payload(L"no payload trailer");
        }
    }
    unsigned long length = le32(tail + stop - TRAILER_SIZE);
    ULONGLONG trailer_at = end - (tail_size - stop) - TRAILER_SIZE;
    if (length == 0 || length > MAX_PAYLOAD || length > trailer_at) {
        no_payload(L"bad payload length");
    }
    char *utf8 = xalloc(length);
    if (!read_at(f, trailer_at - length, utf8, length)) {
        no_payload(L"cannot read the payload");
    }
    CloseHandle(f);
    int chars = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, utf8, (int)length, NULL, 0);
    if (chars <= 0) {
        no_payload(L"the payload is not UTF-8");
    }
    wchar_t *text = xalloc(((size_t)chars + 1) * sizeof(wchar_t));
    MultiByteToWideChar(CP_UTF8, 0, utf8, (int)length, text, chars);
    xfree(utf8);
    return text;
}

typedef struct {
    const wchar_t *kind;
    const wchar_t *interpreter;
    const wchar_t *site_packages;
    const wchar_t *module;
    const wchar_t *attribute;
    const wchar_t *script;
    const wchar_t *options;
    const wchar_t *log;
} payload;

static __attribute__((noreturn)) void bad_payload(const wchar_t *what, const wchar_t *detail)
{
    wbuf b = {0};
    wb_add(&b, L"invalid launcher payload: ");
    wb_add(&b, what);
    if (detail) {
        wb_add(&b, detail);
    }
    wb_add(&b, L" (in ");
    wb_add(&b, g_self);
    wb_add(&b, L")");
    die(b.s);
}

/* The kind, looked up before the payload is checked, so that even an error in the payload is
 * reported the way the kind wants (hooks never show a message box). */
static enum kind peek_kind(const wchar_t *text)
{
    static const struct {
        const wchar_t *line;
        enum kind kind;
    } kinds[] = {{L"kind=console", KIND_CONSOLE}, {L"kind=gui", KIND_GUI}, {L"kind=hook", KIND_HOOK}};
    const wchar_t *line = text;
    while (*line) {
        for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
            const wchar_t *a = line;
            const wchar_t *b = kinds[i].line;
            while (*b && *a == *b) {
                a++;
                b++;
            }
            if (!*b && (*a == 0 || *a == L'\r' || *a == L'\n')) {
                return kinds[i].kind;
            }
        }
        while (*line && *line != L'\n') {
            line++;
        }
        if (*line) {
            line++;
        }
    }
    return KIND_UNKNOWN;
}

/* Splits "key=value" lines in place. Blank lines and lines starting with '#' are skipped. */
static void parse_payload(wchar_t *text, payload *out)
{
    wchar_t *line = text;
    while (*line) {
        wchar_t *next = line;
        while (*next && *next != L'\n') {
            next++;
        }
        if (*next) {
            *next++ = 0;
        }
        size_t n = wlen(line);
        if (n && line[n - 1] == L'\r') {
            line[--n] = 0;
        }
        if (n && line[0] != L'#') {
            wchar_t *eq = line;
            while (*eq && *eq != L'=') {
                eq++;
            }
            if (!*eq) {
                bad_payload(L"expected key=value, got ", line);
            }
            *eq = 0;
            const wchar_t *value = eq + 1;
            const wchar_t **slot = NULL;
            if (wequal(line, L"kind")) {
                slot = &out->kind;
            } else if (wequal(line, L"interpreter")) {
                slot = &out->interpreter;
            } else if (wequal(line, L"site-packages")) {
                slot = &out->site_packages;
            } else if (wequal(line, L"module")) {
                slot = &out->module;
            } else if (wequal(line, L"attribute")) {
                slot = &out->attribute;
            } else if (wequal(line, L"script")) {
                slot = &out->script;
            } else if (wequal(line, L"options")) {
                slot = &out->options;
            } else if (wequal(line, L"log")) {
                slot = &out->log;
            } else {
                bad_payload(L"unknown key ", line);
            }
            if (*slot) {
                bad_payload(L"duplicate key ", line);
            }
            *slot = value;
        }
        line = next;
    }
}

/* Text that goes inside "..." on the command line or inside '...' in Python code. */
static void check_plain(const wchar_t *key, const wchar_t *value)
{
    for (const wchar_t *p = value; *p; p++) {
        if (*p < 0x20 || *p == L'"' || *p == 0x7f) {
            bad_payload(L"unsupported character in ", key);
        }
    }
}

/* A dotted Python name: ASCII letters, digits, '_' and '.', or any non-ASCII character. */
static void check_dotted(const wchar_t *key, const wchar_t *value)
{
    if (!value || !*value) {
        bad_payload(L"missing key ", key);
    }
    for (const wchar_t *p = value; *p; p++) {
        wchar_t c = *p;
        int ok = (c >= L'a' && c <= L'z') || (c >= L'A' && c <= L'Z') || (c >= L'0' && c <= L'9')
                || c == L'_' || c == L'.' || c >= 0x80;
        if (!ok || (c >= 0x2028 && c <= 0x2029) || c == 0x85) {
            bad_payload(L"not a dotted Python name: ", key);
        }
    }
}

/* ---------------------------------------------------------------- the command line */

/* Appends one argument quoted the way the C runtime and CommandLineToArgvW parse it. */
static void add_quoted(wbuf *b, const wchar_t *arg)
{
    wb_addc(b, L'"');
    size_t backslashes = 0;
    for (const wchar_t *p = arg; *p; p++) {
        if (*p == L'\\') {
            backslashes++;
        } else if (*p == L'"') {
            for (size_t i = 0; i < backslashes + 1; i++) {
                wb_addc(b, L'\\');
            }
            backslashes = 0;
        } else {
            backslashes = 0;
        }
        wb_addc(b, *p);
    }
    for (size_t i = 0; i < backslashes; i++) {
        wb_addc(b, L'\\');
    }
    wb_addc(b, L'"');
}

/* The sibling "site-packages first" block, for interpreters whose site-packages is elsewhere. */
static const wchar_t SITE_CODE[] =
        L";import os,site"
        L";_d=os.path.normpath(sys.argv.pop(1))"
        L";_p=list(sys.path)"
        L";site.addsitedir(_d)"
        L";sys.path[:]=[_x for _x in sys.path if _x not in _p]+_p";

static wchar_t *python_code(const payload *p, enum kind kind)
{
    wbuf code = {0};
    wb_add(&code, L"import sys;sys.argv.pop(0)");
    if (p->site_packages) {
        wb_add(&code, SITE_CODE);
    }
    if (p->script) {
        wb_add(&code, L";import runpy;runpy.run_path(sys.argv[0],run_name='__main__')");
        return code.s;
    }
    wb_add(&code, L";import functools,importlib;_f=functools.reduce(getattr,'");
    wb_add(&code, p->attribute);
    wb_add(&code, L"'.split('.'),importlib.import_module('");
    wb_add(&code, p->module);
    wb_add(&code, L"'))");
    wb_add(&code, kind == KIND_HOOK ? L";sys.exit(_f(*sys.argv[1:]))" : L";sys.exit(_f())");
    return code.s;
}

/* ---------------------------------------------------------------- the hook log */

static void open_log(const wchar_t *path)
{
    /* Create missing parent directories (best effort; CreateFileW reports the real failure). */
    wchar_t *api = file_api_path(path);
    size_t root = root_length(api);
    for (size_t i = root; api[i]; i++) {
        if (api[i] == L'\\') {
            api[i] = 0;
            CreateDirectoryW(api, NULL);
            api[i] = L'\\';
        }
    }
    SECURITY_ATTRIBUTES inherit = {sizeof inherit, NULL, TRUE};
    g_log = CreateFileW(api, FILE_APPEND_DATA | SYNCHRONIZE, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
            &inherit, OPEN_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
    xfree(api);
    if (g_log == INVALID_HANDLE_VALUE) {
        wbuf b = {0};
        wb_add(&b, L"cannot open the log file ");
        wb_add(&b, path);
        die_error(b.s, GetLastError());
    }
}

static void add_timestamp(wbuf *b)
{
    SYSTEMTIME t;
    GetLocalTime(&t);
    wb_add_uint(b, t.wYear, 4);
    wb_addc(b, L'-');
    wb_add_uint(b, t.wMonth, 2);
    wb_addc(b, L'-');
    wb_add_uint(b, t.wDay, 2);
    wb_addc(b, L' ');
    wb_add_uint(b, t.wHour, 2);
    wb_addc(b, L':');
    wb_add_uint(b, t.wMinute, 2);
    wb_addc(b, L':');
    wb_add_uint(b, t.wSecond, 2);
}

static void log_line(const wchar_t *what, const wchar_t *rest)
{
    if (!is_valid(g_log)) {
        return;
    }
    wbuf b = {0};
    wb_add(&b, L"[");
    add_timestamp(&b);
    wb_add(&b, L"] ");
    wb_add(&b, base_name(g_self));
    wb_add(&b, what);
    wb_add(&b, rest);
    wb_add(&b, L"\r\n");
    write_utf8(g_log, b.s, b.len);
    xfree(b.s);
}

/* ---------------------------------------------------------------- starting the child */

/* An inheritable duplicate of a standard handle, or NULL when there is none. */
typedef BOOL(WINAPI *post_message_fn)(HWND, UINT, WPARAM, LPARAM);
typedef BOOL(WINAPI *get_message_fn)(LPMSG, HWND, UINT, UINT);

/* A GUI process that shows no window keeps the "app starting" cursor; one message ends it. */
static void clear_app_starting(void)
{
    HMODULE user32 = LoadLibraryW(L"user32.dll");
    if (!user32) {
        return;
    }
    post_message_fn post = (post_message_fn)(void *)GetProcAddress(user32, "PostMessageW");
    get_message_fn get = (get_message_fn)(void *)GetProcAddress(user32, "GetMessageW");
    if (post && get && post(NULL, WM_NULL, 0, 0)) {
        MSG msg;
        get(&msg, NULL, 0, 0);
    }
}

void launcher_entry(void);

void launcher_entry(void)
{
    g_gui_subsystem = is_gui_subsystem();
    wchar_t *self = own_path();
    g_self = self;
    wchar_t *dir = dir_name(self);

    payload p = {0};
    wchar_t *text = read_payload(self);
    g_kind = peek_kind(text);
    parse_payload(text, &p);
    if (!p.kind) {
        bad_payload(L"missing key ", L"kind");
    } else if (wequal(p.kind, L"console")) {
        g_kind = KIND_CONSOLE;
    } else if (wequal(p.kind, L"gui")) {
        g_kind = KIND_GUI;
    } else if (wequal(p.kind, L"hook")) {
        g_kind = KIND_HOOK;
    } else {
        bad_payload(L"unknown kind ", p.kind);
    }
    if (!p.interpreter || !*p.interpreter) {
        bad_payload(L"missing key ", L"interpreter");
    }
    check_plain(L"interpreter", p.interpreter);
    if (p.site_packages) {
        check_plain(L"site-packages", p.site_packages);
    }
    if (p.options) {
        check_plain(L"options", p.options);
    }
    if (p.script) {
        if (p.module || p.attribute) {
            bad_payload(L"both script and module given", NULL);
        }
        check_plain(L"script", p.script);
    } else {
        check_dotted(L"module", p.module);
        check_dotted(L"attribute", p.attribute);
    }
    const wchar_t *tail = argument_tail(GetCommandLineW());

    if (p.log) {
        check_plain(L"log", p.log);
        DWORD need = ExpandEnvironmentStringsW(p.log, NULL, 0);
        wchar_t *expanded = xalloc(((size_t)need + 1) * sizeof(wchar_t));
        if (!need || !ExpandEnvironmentStringsW(p.log, expanded, need)) {
            die_error(L"cannot expand the log path", GetLastError());
        }
        open_log(resolve(dir, expanded));
        log_line(L" ", tail);
    }

    wchar_t *interpreter = resolve(dir, p.interpreter);
    wchar_t *interpreter_api = file_api_path(interpreter);
    DWORD attributes = GetFileAttributesW(interpreter_api);
    if (attributes == INVALID_FILE_ATTRIBUTES || (attributes & FILE_ATTRIBUTE_DIRECTORY)) {
        wbuf b = {0};
        wb_add(&b, L"cannot find the Python interpreter ");
        wb_add(&b, interpreter);
        wb_add(&b, L" (the launcher's payload says interpreter=");
        wb_add(&b, p.interpreter);
        if (!is_absolute(p.interpreter)) {
            wb_add(&b, L", relative to ");
            wb_add(&b, dir);
        }
        wb_add(&b, L")");
        die(b.s);
    }

    wbuf cmd = {0};
    wb_addc(&cmd, L'"');
    wb_add(&cmd, interpreter);
    wb_addc(&cmd, L'"');
    wb_add(&cmd, L" -I");
    if (p.options && *p.options) {
        wb_addc(&cmd, L' ');
        wb_add(&cmd, p.options);
    }
    wchar_t *site = p.site_packages ? resolve(dir, p.site_packages) : NULL;
    if (p.script && !site) {
        /* python -I script args: sys.argv[0] is the script, as for "python script.py". */
        wb_addc(&cmd, L' ');
        add_quoted(&cmd, resolve(dir, p.script));
    } else {
        /* python -I -c CODE self [site-packages] args: CODE drops "-c" from sys.argv. */
        wb_add(&cmd, L" -c ");
        add_quoted(&cmd, python_code(&p, g_kind));
        wb_addc(&cmd, L' ');
        add_quoted(&cmd, p.script ? resolve(dir, p.script) : self);
        if (site) {
            wb_addc(&cmd, L' ');
            add_quoted(&cmd, site);
        }
    }
    if (*tail) {
        wb_addc(&cmd, L' ');
        wb_add(&cmd, tail);
    }
    if (cmd.len >= MAX_COMMAND_LINE) {
        die(L"the command line for the interpreter is too long (over 32767 characters)");
    }

    SetConsoleCtrlHandler(ignore_control, TRUE);

    HANDLE in = inheritable(GetStdHandle(STD_INPUT_HANDLE));
    HANDLE out;
    HANDLE err;
    if (is_valid(g_log)) {
        out = g_log;
        err = g_log;
    } else {
        out = inheritable(GetStdHandle(STD_OUTPUT_HANDLE));
        err = inheritable(GetStdHandle(STD_ERROR_HANDLE));
    }
    STARTUPINFOW si = {0};
    child_startup_info(&si, in, out, err);

    /* Killing the launcher kills the interpreter; the interpreter's own children may break
     * away silently, so a program that starts a background process keeps it. */
    HANDLE job = kill_on_close_job();

    DWORD flags = CREATE_SUSPENDED | CREATE_UNICODE_ENVIRONMENT;
    if (g_kind == KIND_HOOK && g_gui_subsystem) {
        flags |= CREATE_NO_WINDOW; /* a console interpreter, started by an installer: no window */
    }
    PROCESS_INFORMATION child = {0};
    if (!CreateProcessW(interpreter_api, cmd.s, NULL, NULL, TRUE, flags, NULL, NULL, &si, &child)) {
        DWORD error = GetLastError();
        wbuf b = {0};
        wb_add(&b, L"cannot start the Python interpreter ");
        wb_add(&b, interpreter);
        die_error(b.s, error);
    }
    if (job) {
        /* Fails when the launcher is in a job that forbids nesting (before Windows 8): run
         * without it then. */
        AssignProcessToJobObject(job, child.hProcess);
    }
    ResumeThread(child.hThread);
    CloseHandle(child.hThread);
    if (g_gui_subsystem && g_kind == KIND_GUI) {
        clear_app_starting();
    }
    WaitForSingleObject(child.hProcess, INFINITE);
    DWORD code = LAUNCHER_FAILURE;
    if (!GetExitCodeProcess(child.hProcess, &code)) {
        die_error(L"cannot read the interpreter's exit code", GetLastError());
    }
    if (is_valid(g_log)) {
        wbuf b = {0};
        wb_add(&b, L" exited with ");
        wb_add_uint(&b, code, 1);
        log_line(b.s, L"");
    }
    ExitProcess(code);
}

/*
 * What Packyard's Windows launcher (launcher/launcher.c) and the Windows onefile stub
 * (onefile/stub-windows.c, through its link onefile/winproc.h) both do to start a child:
 * wide strings and numbers, memory, system error messages, console or UTF-8 output, their own
 * path and subsystem, the raw argument tail of a command
 * line, inheritable standard handles, the STARTUPINFO a child gets and the kill-on-close job
 * object it runs in. No C runtime: kernel32 only. Included (after <windows.h>, with UNICODE) by
 * both, which define out_of_memory(); every function is static, so each binary keeps its own copy.
 */

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

/* Defined by the includer: reports that memory ran out and exits. */
static __attribute__((noreturn)) void out_of_memory(void);

/* Zeroed memory from the process heap; never NULL. */
static void *xalloc(size_t n)
{
    void *p = HeapAlloc(GetProcessHeap(), HEAP_ZERO_MEMORY, n ? n : 1);
    if (!p) {
        out_of_memory();
    }
    return p;
}

static void xfree(void *p)
{
    if (p) {
        HeapFree(GetProcessHeap(), 0, p);
    }
}

/* A growable wide string, always NUL-terminated once anything was added. */
typedef struct {
    wchar_t *s;
    size_t len;
    size_t cap;
} wbuf;

static void wb_addn(wbuf *b, const wchar_t *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
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

/* Appends v in decimal, at least min_digits digits (zero-padded). */
static void wb_add_uint(wbuf *b, unsigned long long v, int min_digits)
{
    wchar_t digits[24];
    int i = 24;
    do {
        digits[--i] = (wchar_t)(L'0' + v % 10);
        v /= 10;
    } while (v || 24 - i < min_digits);
    wb_addn(b, digits + i, (size_t)(24 - i));
}

/* Appends ": <the system's message for error> (error N)"; without the message when Windows has none. */
static void wb_add_error(wbuf *b, DWORD error)
{
    wchar_t *text = NULL;
    DWORD n = FormatMessageW(FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM
                    | FORMAT_MESSAGE_IGNORE_INSERTS,
            NULL, error, 0, (LPWSTR)(void *)&text, 0, NULL);
    if (n && text) {
        while (n && (text[n - 1] == L'\r' || text[n - 1] == L'\n' || text[n - 1] == L' '
                       || text[n - 1] == L'.')) {
            text[--n] = 0;
        }
        wb_add(b, L": ");
        wb_add(b, text);
        LocalFree(text);
    }
    wb_add(b, L" (error ");
    wb_add_uint(b, error, 1);
    wb_add(b, L")");
}

/* Our own executable's path in *path, growing the buffer for long paths: 1; 0 when Windows
 * cannot say (*error: GetLastError()); -1 when it is longer than 65535 characters. */
static int module_path(wchar_t **path, DWORD *error)
{
    DWORD cap = MAX_PATH;
    for (;;) {
        wchar_t *b = xalloc(cap * sizeof(wchar_t));
        DWORD n = GetModuleFileNameW(NULL, b, cap);
        if (n == 0) {
            *error = GetLastError();
            return 0;
        }
        if (n < cap) {
            *path = b;
            return 1;
        }
        xfree(b);
        if (cap >= 65536) {
            return -1;
        }
        cap *= 2;
    }
}

/* Whether this executable was linked for the GUI subsystem (no console of its own). */
static int is_gui_subsystem(void)
{
    const unsigned char *image = (const unsigned char *)GetModuleHandleW(NULL);
    const IMAGE_DOS_HEADER *dos = (const IMAGE_DOS_HEADER *)image;
    const IMAGE_NT_HEADERS *nt = (const IMAGE_NT_HEADERS *)(image + dos->e_lfanew);
    return nt->OptionalHeader.Subsystem == IMAGE_SUBSYSTEM_WINDOWS_GUI;
}

/* The last component of a path (after the last backslash or slash). */
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

static int is_valid(HANDLE h)
{
    return h != NULL && h != INVALID_HANDLE_VALUE;
}

static void write_utf8(HANDLE h, const wchar_t *s, size_t n)
{
    if (!is_valid(h) || n == 0) {
        return;
    }
    int bytes = WideCharToMultiByte(CP_UTF8, 0, s, (int)n, NULL, 0, NULL, NULL);
    if (bytes <= 0) {
        return;
    }
    char *u = HeapAlloc(GetProcessHeap(), 0, (size_t)bytes);
    if (!u) {
        return;
    }
    WideCharToMultiByte(CP_UTF8, 0, s, (int)n, u, bytes, NULL, NULL);
    DWORD written;
    WriteFile(h, u, (DWORD)bytes, &written, NULL);
    HeapFree(GetProcessHeap(), 0, u);
}

/* Writes to a console with WriteConsoleW (any character shows), elsewhere as UTF-8. */
static void write_text(HANDLE h, const wchar_t *s)
{
    DWORD mode;
    DWORD written;
    if (!is_valid(h)) {
        return;
    }
    if (GetConsoleMode(h, &mode)) {
        WriteConsoleW(h, s, (DWORD)wlen(s), &written, NULL);
    } else {
        write_utf8(h, s, wlen(s));
    }
}

/*
 * The arguments after argv[0], exactly as given. argv[0] ends as CommandLineToArgvW says: if the
 * command line starts with '"', at the next '"'; otherwise at the first space or tab.
 */
static const wchar_t *argument_tail(const wchar_t *command_line)
{
    const wchar_t *p = command_line;
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

/* An inheritable duplicate of a standard handle (the handle itself if it cannot be duplicated);
 * NULL for none. */
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

/* The child's STARTUPINFO: our own show-window state ("Run: minimized" and the like, from a
 * shortcut, reach the child) and the given standard handles, if any. */
static void child_startup_info(STARTUPINFOW *si, HANDLE in, HANDLE out, HANDLE err)
{
    STARTUPINFOW own = {0};
    own.cb = sizeof own;
    GetStartupInfoW(&own);
    si->cb = sizeof *si;
    if (own.dwFlags & STARTF_USESHOWWINDOW) {
        si->dwFlags |= STARTF_USESHOWWINDOW;
        si->wShowWindow = own.wShowWindow;
    }
    if (in || out || err) {
        si->dwFlags |= STARTF_USESTDHANDLES;
        si->hStdInput = in;
        si->hStdOutput = out;
        si->hStdError = err;
    }
}

/* A job object that kills its processes when its last handle closes (when we die), from which
 * their own children may break away silently; NULL when Windows refuses one. */
static HANDLE kill_on_close_job(void)
{
    HANDLE job = CreateJobObjectW(NULL, NULL);
    if (job) {
        JOBOBJECT_EXTENDED_LIMIT_INFORMATION limits = {0};
        limits.BasicLimitInformation.LimitFlags =
                JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE | JOB_OBJECT_LIMIT_SILENT_BREAKAWAY_OK;
        if (!SetInformationJobObject(job, JobObjectExtendedLimitInformation, &limits, sizeof limits)) {
            CloseHandle(job);
            job = NULL;
        }
    }
    return job;
}

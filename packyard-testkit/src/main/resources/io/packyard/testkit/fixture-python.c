/*
 * fixture-python.c: a TEST FIXTURE standing in for Windows CPython's python.exe and pythonw.exe,
 * which this Linux machine cannot have. It is not Python and runs no Python code. Packyard's
 * tests compile it with mingw-w64 (FixturePython.build) and run it under wine behind the
 * launchers, to prove what a real interpreter would be asked to do.
 *
 * What it emulates
 * ----------------
 * - The command line: it reads GetCommandLineW() and splits it with CommandLineToArgvW, the
 *   rules CPython's C runtime applies (for ordinary quoting they are the same).
 * - Interpreter options, as CPython parses them: single-letter flags, possibly combined
 *   ("-Es", "-I", "-u", "-B", "-O", "-q", ...); "-X opt" and "-W arg" (attached or separate);
 *   "-c CODE" and "-m MODULE" (attached or separate) end the options; "--" ends them; "-"
 *   means stdin; the first other argument is the script. Long options ("--help") are recorded.
 * - sys.argv as CPython would set it: ["-c", rest...] for -c; ["<module>", rest...] for -m
 *   (CPython puts the module's file path there; the fixture cannot, and uses the name);
 *   ["-", rest...] for stdin; [script, rest...] for a script; [""] with no arguments.
 *   It does not run CODE, so the CODE's own changes to sys.argv are for the test to apply.
 * - Exit status: the value of the environment variable FIXTURE_EXIT (a decimal integer) if
 *   set, else 0, so tests can prove a launcher passes the interpreter's exit code through.
 * - A long-running program: if FIXTURE_SLEEP_MS is set, it sleeps that many milliseconds after
 *   reporting, then appends a second log line (mode "finished", no options, no sys.argv) and
 *   exits; a test that kills the launcher meanwhile proves the interpreter died with it.
 *
 * What it reports
 * ---------------
 * On standard output (UTF-8 written with WriteFile, whatever the handle is), a block of
 * "key<TAB>value" lines, values escaped as \\ \t \n \r and \xNN for other control characters:
 *
 *     fixture-python 1
 *     executable  <its own full path, GetModuleFileNameW>
 *     command-line  <GetCommandLineW() as received>
 *     argv  <each CommandLineToArgvW element, in order, one line each>
 *     option  <each interpreter option, in order: "-I", "-X", "utf8", ...>
 *     mode  -c | -m | - | script | interactive
 *     code  <CODE>            (mode -c)
 *     module  <MODULE>        (mode -m)
 *     script  <path>          (mode script)
 *     script-exists  true | false   (mode script: whether that file exists)
 *     sys.argv  <each element, in order>
 *     cwd  <the current directory>
 *     exit  <the exit status it is about to return>
 *     end
 *
 * and one line on standard error: "fixture-python: stderr<TAB><executable file name>".
 *
 * If the environment variable FIXTURE_PYTHON_LOG names a file, it appends one line per run to
 * it (one WriteFile on a handle opened for appending), fields escaped as above and separated by
 * TABs: executable file name, mode, options joined by spaces, then the sys.argv elements.
 * MSI tests use this to prove hooks ran, with which arguments, even where nothing captures the
 * interpreter's output (a GUI interpreter, msiexec custom actions).
 *
 * Built twice from this source: python.exe (console subsystem) and pythonw.exe (GUI subsystem,
 * -mwindows). Deterministic: same command line and environment, same output.
 */

#define WIN32_LEAN_AND_MEAN
#include <windows.h>
#include <shellapi.h>
#include <wchar.h>
#include <stdlib.h>

typedef struct {
    char *s;
    size_t len;
    size_t cap;
} buf;

static void put(buf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1) {
            cap *= 2;
        }
        char *grown = realloc(b->s, cap);
        if (!grown) {
            ExitProcess(99);
        }
        b->s = grown;
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = 0;
}

static void puts_(buf *b, const char *s)
{
    put(b, s, strlen(s));
}

/* Appends a UTF-16 string as escaped UTF-8. */
static void put_escaped(buf *b, const wchar_t *w)
{
    int n = WideCharToMultiByte(CP_UTF8, 0, w, -1, NULL, 0, NULL, NULL);
    char *u = malloc(n > 0 ? (size_t)n : 1);
    if (!u) {
        ExitProcess(99);
    }
    u[0] = 0;
    if (n > 0) {
        WideCharToMultiByte(CP_UTF8, 0, w, -1, u, n, NULL, NULL);
    }
    for (const unsigned char *p = (const unsigned char *)u; *p; p++) {
        char esc[8];
        switch (*p) {
            case '\\': puts_(b, "\\\\"); break;
            case '\t': puts_(b, "\\t"); break;
            case '\n': puts_(b, "\\n"); break;
            case '\r': puts_(b, "\\r"); break;
            default:
                if (*p < 0x20 || *p == 0x7f) {
                    static const char hex[] = "0123456789abcdef";
                    esc[0] = '\\';
                    esc[1] = 'x';
                    esc[2] = hex[*p >> 4];
                    esc[3] = hex[*p & 15];
                    put(b, esc, 4);
                } else {
                    put(b, (const char *)p, 1);
                }
        }
    }
    free(u);
}

static void line(buf *b, const char *key, const wchar_t *value)
{
    puts_(b, key);
    puts_(b, "\t");
    put_escaped(b, value);
    puts_(b, "\n");
}

static void write_all(HANDLE h, const buf *b)
{
    if (h == NULL || h == INVALID_HANDLE_VALUE || b->len == 0) {
        return;
    }
    DWORD written;
    WriteFile(h, b->s, (DWORD)b->len, &written, NULL);
}

static const wchar_t *file_name(const wchar_t *path)
{
    const wchar_t *name = path;
    for (const wchar_t *p = path; *p; p++) {
        if (*p == L'\\' || *p == L'/') {
            name = p + 1;
        }
    }
    return name;
}

/* Options whose argument follows (attached or as the next argument). */
static int takes_argument(wchar_t c)
{
    return c == L'X' || c == L'W' || c == L'c' || c == L'm';
}

static const wchar_t *letter_option(wchar_t c)
{
    wchar_t *option = malloc(3 * sizeof(wchar_t));
    if (!option) {
        ExitProcess(99);
    }
    option[0] = L'-';
    option[1] = c;
    option[2] = 0;
    return option;
}

static void append_line(const wchar_t *path, const buf *b)
{
    HANDLE log = CreateFileW(path, FILE_APPEND_DATA, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL, OPEN_ALWAYS,
            FILE_ATTRIBUTE_NORMAL, NULL);
    if (log == INVALID_HANDLE_VALUE) {
        ExitProcess(97);
    }
    write_all(log, b);
    CloseHandle(log);
}

int main(void)
{
    wchar_t self[32768];
    DWORD n = GetModuleFileNameW(NULL, self, 32768);
    if (n == 0 || n >= 32768) {
        self[0] = 0;
    }
    const wchar_t *command_line = GetCommandLineW();
    int argc = 0;
    wchar_t **argv = CommandLineToArgvW(command_line, &argc);
    if (!argv) {
        ExitProcess(98);
    }

    /* Parse as CPython does. */
    const wchar_t *options[256];
    int option_count = 0;
    const wchar_t *mode = L"interactive";
    const wchar_t *payload = NULL; /* code, module or script */
    int rest = argc; /* the first argument after the code, module or script */
    int ended = 0;
    int i = 1;
    while (i < argc && !ended) {
        const wchar_t *a = argv[i];
        if (a[0] != L'-' || a[1] == 0) {
            break;
        }
        if (a[1] == L'-') {
            i++;
            if (a[2] == 0) {
                break; /* "--": the next argument is the script */
            }
            if (option_count < 256) {
                options[option_count++] = a;
            }
            continue;
        }
        for (const wchar_t *p = a + 1; *p; p++) {
            if (takes_argument(*p)) {
                const wchar_t *value = L"";
                if (p[1]) {
                    value = p + 1;
                } else if (i + 1 < argc) {
                    value = argv[++i];
                }
                if (*p == L'c' || *p == L'm') {
                    mode = *p == L'c' ? L"-c" : L"-m";
                    payload = value;
                    rest = i + 1;
                    ended = 1;
                } else if (option_count < 254) {
                    options[option_count++] = letter_option(*p);
                    options[option_count++] = value;
                }
                break;
            }
            if (option_count < 256) {
                options[option_count++] = letter_option(*p);
            }
        }
        i++;
    }
    if (!ended && i < argc) {
        if (argv[i][0] == L'-' && argv[i][1] == 0) {
            mode = L"-";
        } else {
            mode = L"script";
            payload = argv[i];
        }
        rest = i + 1;
    }

    /* sys.argv */
    int sys_argc = 0;
    const wchar_t **sys_argv = malloc(((size_t)argc + 2) * sizeof(wchar_t *));
    if (mode[0] == L'-' && mode[1] == L'c') {
        sys_argv[sys_argc++] = L"-c";
    } else if (mode[0] == L'-' && mode[1] == L'm') {
        sys_argv[sys_argc++] = payload;
    } else if (mode[0] == L'-') {
        sys_argv[sys_argc++] = L"-";
    } else if (payload) {
        sys_argv[sys_argc++] = payload;
    } else {
        sys_argv[sys_argc++] = L"";
    }
    for (int k = rest; k < argc; k++) {
        sys_argv[sys_argc++] = argv[k];
    }

    int exit_code = 0;
    wchar_t value[64];
    if (GetEnvironmentVariableW(L"FIXTURE_EXIT", value, 64) > 0) {
        exit_code = _wtoi(value);
    }
    wchar_t exit_text[16];
    _itow(exit_code, exit_text, 10);

    buf out = {0};
    puts_(&out, "fixture-python 1\n");
    line(&out, "executable", self);
    line(&out, "command-line", command_line);
    for (int k = 0; k < argc; k++) {
        line(&out, "argv", argv[k]);
    }
    for (int k = 0; k < option_count; k++) {
        line(&out, "option", options[k]);
    }
    line(&out, "mode", mode);
    if (mode[0] == L'-' && mode[1] == L'c') {
        line(&out, "code", payload);
    } else if (mode[0] == L'-' && mode[1] == L'm') {
        line(&out, "module", payload);
    } else if (payload) {
        line(&out, "script", payload);
        DWORD attributes = GetFileAttributesW(payload);
        line(&out, "script-exists", attributes != INVALID_FILE_ATTRIBUTES ? L"true" : L"false");
    }
    for (int k = 0; k < sys_argc; k++) {
        line(&out, "sys.argv", sys_argv[k]);
    }
    wchar_t cwd[32768];
    DWORD cwd_length = GetCurrentDirectoryW(32768, cwd);
    if (cwd_length == 0 || cwd_length >= 32768) {
        cwd[0] = 0;
    }
    line(&out, "cwd", cwd);
    line(&out, "exit", exit_text);
    puts_(&out, "end\n");
    write_all(GetStdHandle(STD_OUTPUT_HANDLE), &out);

    buf err = {0};
    puts_(&err, "fixture-python: stderr\t");
    put_escaped(&err, file_name(self));
    puts_(&err, "\n");
    write_all(GetStdHandle(STD_ERROR_HANDLE), &err);

    wchar_t log_path[32768];
    DWORD log_length = GetEnvironmentVariableW(L"FIXTURE_PYTHON_LOG", log_path, 32768);
    if (log_length > 0 && log_length < 32768) {
        buf entry = {0};
        put_escaped(&entry, file_name(self));
        puts_(&entry, "\t");
        put_escaped(&entry, mode);
        puts_(&entry, "\t");
        for (int k = 0; k < option_count; k++) {
            if (k) {
                puts_(&entry, " ");
            }
            put_escaped(&entry, options[k]);
        }
        for (int k = 0; k < sys_argc; k++) {
            puts_(&entry, "\t");
            put_escaped(&entry, sys_argv[k]);
        }
        puts_(&entry, "\n");
        append_line(log_path, &entry);
    }
    DWORD sleep_length = GetEnvironmentVariableW(L"FIXTURE_SLEEP_MS", value, 64);
    if (sleep_length > 0 && sleep_length < 64) {
        Sleep((DWORD)_wtoi(value));
        if (log_length > 0 && log_length < 32768) {
            buf entry = {0};
            put_escaped(&entry, file_name(self));
            puts_(&entry, "\tfinished\t\n");
            append_line(log_path, &entry);
        }
    }
    ExitProcess((UINT)exit_code);
}

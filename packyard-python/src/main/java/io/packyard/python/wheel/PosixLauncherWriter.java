package io.packyard.python.wheel;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Launchers for Linux and other POSIX systems: {@code /bin/sh} scripts that resolve their own real
 * location (through any symlinks, with {@code readlink -f} or, where that is missing, a
 * {@code readlink} loop), find the interpreter relative to it (or use an absolute system
 * interpreter) and {@code exec} it in isolated mode ({@code -I}: PYTHON* variables and the user
 * site-packages are ignored, neither the current nor the script's directory is on sys.path).
 *
 * <p>An entry-point launcher runs {@code python -I -c CODE "$0" "$@"}: CODE imports the module,
 * resolves the attribute path, and calls the function with {@code sys.argv} set to the launcher's
 * path (as invoked) followed by the arguments; the function's return value is the exit status.
 * When the interpreter has a separate site-packages directory (a system interpreter), CODE first
 * puts that directory, computed relative to the launcher, in front of sys.path and processes its
 * {@code .pth} files.
 *
 * <p>A {@code #!python} script becomes a polyglot: {@code /bin/sh} runs the first lines, which
 * exec the interpreter on the file itself; Python sees those lines as a string literal (the
 * {@code '''exec'} trick pip's launchers use for long interpreter paths, here with the interpreter
 * found relative to the script).
 */
public final class PosixLauncherWriter implements LauncherWriter {

    private static final Pattern CODING = Pattern.compile("^[ \\t\\f]*#.*?coding[:=][ \\t]*[-\\w.]+.*$");
    private static final int EXECUTABLE = 0755;

    @Override
    public List<LauncherFile> launcher(Interpreter interpreter, String dir, String name, EntryPoint target, Flavour flavour) {
        checkName(name);
        InstallScheme.checkRelative("launcher directory", dir);
        if (target.attribute().isEmpty()) {
            throw new IllegalArgumentException("launcher " + name + ": expected module:function, got " + target.module());
        }
        StringBuilder py = new StringBuilder();
        py.append("import importlib, sys\n");
        py.append("sys.argv.pop(0)\n");
        if (interpreter.sitePackages().isPresent()) {
            py.append(SITE_BLOCK);
        }
        py.append("_f = importlib.import_module(\"").append(target.module()).append("\")\n");
        py.append("for _a in \"").append(target.attribute()).append("\".split(\".\"):\n");
        py.append("    _f = getattr(_f, _a)\n");
        if (flavour == Flavour.HOOK) {
            py.append("sys.exit(_f(*sys.argv[1:]))");
        } else {
            py.append("sys.exit(_f())");
        }
        String what = switch (flavour) {
            case CONSOLE -> "the console command";
            case GUI -> "the GUI command";
            case HOOK -> "the hook";
        };
        StringBuilder sh = new StringBuilder();
        sh.append("#!/bin/sh\n");
        sh.append("# ").append(what).append(' ').append(printable(name)).append(": runs ")
                .append(target.reference()).append(".\n");
        sh.append(RESOLVE);
        sh.append("exec ").append(interpreterWord(interpreter, dir)).append(" -I -c ").append(shQuote(py.toString()))
                .append(" \"$0\"");
        interpreter.sitePackages().ifPresent(s -> sh.append(' ').append(relativeWord(dir, s)));
        sh.append(" \"$@\"\n");
        String path = InstallScheme.join(dir, name);
        return List.of(new LauncherFile(path, sh.toString().getBytes(StandardCharsets.UTF_8), EXECUTABLE));
    }

    @Override
    public List<LauncherFile> rewriteScript(Interpreter interpreter, String dir, String name, byte[] content) {
        checkName(name);
        InstallScheme.checkRelative("script directory", dir);
        String path = InstallScheme.join(dir, name);
        byte[] magic = "#!python".getBytes(StandardCharsets.US_ASCII);
        if (content.length < magic.length || !Arrays.equals(content, 0, magic.length, magic, 0, magic.length)) {
            return List.of(new LauncherFile(path, content, EXECUTABLE));
        }
        int eol = indexOf(content, (byte) '\n', 0);
        int firstEnd = eol < 0 ? content.length : eol;
        String first = new String(content, 0, firstEnd, StandardCharsets.UTF_8).stripTrailing();
        byte[] rest = eol < 0 ? new byte[0] : Arrays.copyOfRange(content, eol + 1, content.length);
        // "#!python", "#!pythonw", "#!python3", ... followed by optional interpreter options.
        String tail = first.substring("#!python".length());
        List<String> options = new ArrayList<>();
        int space = indexOfWhitespace(tail);
        if (space >= 0) {
            for (String o : tail.substring(space).strip().split("\\s+")) {
                if (!o.isEmpty()) {
                    options.add(o);
                }
            }
        }
        StringBuilder sh = new StringBuilder();
        sh.append("#!/bin/sh\n");
        String second = firstLine(rest);
        if (second != null && CODING.matcher(second).matches()) {
            sh.append(second.stripTrailing()).append('\n');
        }
        sh.append("'''true'\n");
        sh.append("# Generated by Packyard: /bin/sh runs these lines, which start Python on this file;\n");
        sh.append("# Python reads them as a string.\n");
        sh.append(RESOLVE);
        StringBuilder opts = new StringBuilder();
        for (String o : options) {
            opts.append(' ').append(shQuote(o));
        }
        if (interpreter.sitePackages().isEmpty()) {
            sh.append("exec ").append(interpreterWord(interpreter, dir)).append(" -I").append(opts)
                    .append(" \"$0\" \"$@\"\n");
        } else {
            String py = "import os, runpy, site, sys\n"
                    + "sys.argv.pop(0)\n"
                    + SITE_BLOCK
                    + "runpy.run_path(sys.argv[0], run_name=\"__main__\")";
            sh.append("exec ").append(interpreterWord(interpreter, dir)).append(" -I").append(opts)
                    .append(" -c ").append(shQuote(py)).append(" \"$0\" ")
                    .append(relativeWord(dir, interpreter.sitePackages().get())).append(" \"$@\"\n");
        }
        String block = sh.substring(sh.indexOf("'''true'") + 3);
        if (block.contains("'''") || block.contains("\\")) {
            throw new IllegalArgumentException("script " + name + ": cannot build a trampoline for these paths");
        }
        sh.append("'''\n");
        byte[] head = sh.toString().getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[head.length + rest.length];
        System.arraycopy(head, 0, out, 0, head.length);
        System.arraycopy(rest, 0, out, head.length, rest.length);
        return List.of(new LauncherFile(path, out, EXECUTABLE));
    }

    /** Finds the launcher's real directory: $here. */
    private static final String RESOLVE = """
            self=$(readlink -f -- "$0" 2>/dev/null) || self=
            if [ -z "$self" ]; then
                self=$0 n=0
                while [ -h "$self" ] && [ "$n" -lt 64 ]; do
                    n=$((n + 1))
                    link=$(readlink -- "$self") || break
                    case $link in
                        /*) self=$link ;;
                        *) self=$(dirname -- "$self")/$link ;;
                    esac
                done
            fi
            here=$(CDPATH= cd -P -- "$(dirname -- "$self")" && pwd -P) || exit 127
            """;

    /** Python: takes the site-packages directory from argv[1], puts it (and its .pth additions) first. */
    private static final String SITE_BLOCK = """
            import os, site
            _d = os.path.normpath(sys.argv.pop(1))
            _p = list(sys.path)
            site.addsitedir(_d)
            sys.path[:] = [_x for _x in sys.path if _x not in _p] + _p
            """;

    private static String interpreterWord(Interpreter interpreter, String dir) {
        if (interpreter.isBundled()) {
            return relativeWord(dir, interpreter.executable());
        }
        return shQuote(interpreter.executable());
    }

    /** A shell word for a bundle path, relative to the launcher's directory $here. */
    private static String relativeWord(String fromDir, String to) {
        String rel = relative(fromDir, to);
        return rel.isEmpty() ? "\"$here\"" : "\"$here\"/" + shQuote(rel);
    }

    /** The relative path from bundle directory {@code fromDir} to bundle path {@code to}. */
    static String relative(String fromDir, String to) {
        List<String> from = fromDir.isEmpty() ? List.of() : List.of(fromDir.split("/"));
        List<String> target = to.isEmpty() ? List.of() : List.of(to.split("/"));
        int common = 0;
        while (common < from.size() && common < target.size() && from.get(common).equals(target.get(common))) {
            common++;
        }
        List<String> parts = new ArrayList<>();
        for (int i = common; i < from.size(); i++) {
            parts.add("..");
        }
        parts.addAll(target.subList(common, target.size()));
        return String.join("/", parts);
    }

    static String shQuote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    private static void checkName(String name) {
        if (name == null || name.isEmpty() || name.equals(".") || name.equals("..") || name.contains("/")
                || name.contains("\\")) {
            throw new IllegalArgumentException("invalid launcher name: " + name);
        }
        for (char c : name.toCharArray()) {
            if (c < 0x20 || c == 0x7f) {
                throw new IllegalArgumentException("invalid launcher name: " + printable(name));
            }
        }
    }

    private static String printable(String s) {
        return s.replaceAll("[\\p{Cntrl}]", "?");
    }

    private static int indexOf(byte[] b, byte v, int from) {
        for (int i = from; i < b.length; i++) {
            if (b[i] == v) {
                return i;
            }
        }
        return -1;
    }

    private static int indexOfWhitespace(String s) {
        Matcher m = Pattern.compile("\\s").matcher(s);
        return m.find() ? m.start() : -1;
    }

    private static String firstLine(byte[] b) {
        if (b.length == 0) {
            return null;
        }
        int eol = indexOf(b, (byte) '\n', 0);
        int end = eol < 0 ? Math.min(b.length, 4096) : Math.min(eol, 4096);
        return new String(b, 0, end, StandardCharsets.ISO_8859_1);
    }
}

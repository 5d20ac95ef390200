package io.packyard.python.wheel;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Where the parts of a wheel go, relative to the bundle root ('/'-separated, no leading '/',
 * empty for the root itself), and how launchers reach the interpreter.
 *
 * @param purelib pure Python modules (and the root of a wheel with Root-Is-Purelib: true)
 * @param platlib platform-specific modules (the root of other wheels)
 * @param scripts launchers and {@code .data/scripts}
 * @param data {@code .data/data}: the installation base (usually the bundle root, "")
 * @param headers {@code .data/headers}; the placeholder {@code {dist}} stands for the
 *     distribution name (as in METADATA), see {@link #headersFor(String)}
 * @param interpreter how launchers and rewritten scripts find Python
 */
public record InstallScheme(
        String purelib,
        String platlib,
        String scripts,
        String data,
        String headers,
        LauncherWriter.Interpreter interpreter) {

    private static final Pattern PYTHON_XY = Pattern.compile("[0-9]+\\.[0-9]+");

    public InstallScheme {
        Objects.requireNonNull(interpreter, "interpreter");
        checkRelative("purelib", purelib);
        checkRelative("platlib", platlib);
        checkRelative("scripts", scripts);
        checkRelative("data", data);
        checkRelative("headers", headers);
    }

    /**
     * The POSIX scheme of a bundle.
     *
     * <ul>
     *   <li>bundled interpreter: {@code python/lib/pythonX.Y/site-packages} (the interpreter's own),
     *       launchers run {@code python/bin/python3};
     *   <li>system interpreter: {@code lib/pythonX.Y/site-packages}, launchers run
     *       {@code /usr/bin/python3} and put that directory first on sys.path.
     * </ul>
     *
     * Scripts go to {@code bin}, data to the root, headers to {@code include/site/pythonX.Y/<dist>}.
     *
     * @param pythonXY the target Python's "X.Y", for example "3.12"
     */
    public static InstallScheme posix(String pythonXY, boolean bundledInterpreter) {
        checkXY(pythonXY);
        String headers = "include/site/python" + pythonXY + "/{dist}";
        if (bundledInterpreter) {
            String site = "python/lib/python" + pythonXY + "/site-packages";
            return new InstallScheme(site, site, "bin", "", headers,
                    LauncherWriter.Interpreter.bundled("python/bin/python3"));
        }
        String site = "lib/python" + pythonXY + "/site-packages";
        return new InstallScheme(site, site, "bin", "", headers,
                LauncherWriter.Interpreter.system("/usr/bin/python3", site));
    }

    /**
     * The Windows scheme of a bundle: {@code python/Lib/site-packages} with the bundled interpreter
     * {@code python/python.exe}, or {@code Lib/site-packages} with a system interpreter (by default
     * the python.org per-machine location {@code C:/Program Files/PythonXY/python.exe}; see
     * {@link #withInterpreter}). Scripts go to {@code Scripts}, data to the root, headers to
     * {@code Include/<dist>}.
     */
    public static InstallScheme windows(String pythonXY, boolean bundledInterpreter) {
        checkXY(pythonXY);
        if (bundledInterpreter) {
            String site = "python/Lib/site-packages";
            return new InstallScheme(site, site, "Scripts", "", "python/Include/{dist}",
                    LauncherWriter.Interpreter.bundled("python/python.exe"));
        }
        String site = "Lib/site-packages";
        return new InstallScheme(site, site, "Scripts", "", "Include/{dist}",
                LauncherWriter.Interpreter.system(
                        "C:/Program Files/Python" + pythonXY.replace(".", "") + "/python.exe", site));
    }

    /** This scheme with another interpreter for the launchers. */
    public InstallScheme withInterpreter(LauncherWriter.Interpreter other) {
        return new InstallScheme(purelib, platlib, scripts, data, headers, other);
    }

    /** The headers directory for a distribution. */
    public String headersFor(String distName) {
        return headers.replace("{dist}", distName);
    }

    /** The directory for a {@code .data} key (purelib, platlib, scripts, data, headers), or null if unknown. */
    public String forDataKey(String key, String distName) {
        return switch (key) {
            case "purelib" -> purelib;
            case "platlib" -> platlib;
            case "scripts" -> scripts;
            case "data" -> data;
            case "headers" -> headersFor(distName);
            default -> null;
        };
    }

    private static void checkXY(String xy) {
        if (xy == null || !PYTHON_XY.matcher(xy).matches()) {
            throw new IllegalArgumentException("expected a Python version X.Y, got " + xy);
        }
    }

    static void checkRelative(String what, String path) {
        Objects.requireNonNull(path, what);
        if (path.isEmpty()) {
            return;
        }
        if (path.startsWith("/") || path.endsWith("/") || path.contains("\\") || path.matches("^[A-Za-z]:.*")) {
            throw new IllegalArgumentException(what + ": expected a relative '/'-separated path, got " + path);
        }
        for (String seg : path.split("/", -1)) {
            if (seg.isEmpty() || seg.equals(".") || seg.equals("..")) {
                throw new IllegalArgumentException(what + ": path is not normalized: " + path);
            }
        }
        for (char c : path.toCharArray()) {
            if (c < 0x20 || c == '\'' || c == 0x7f) {
                throw new IllegalArgumentException(what + ": unsupported character in " + path);
            }
        }
    }

    /** Joins bundle-relative paths ('/'-separated; an empty part is the root). */
    static String join(String base, String rest) {
        if (base.isEmpty()) {
            return rest;
        }
        if (rest.isEmpty()) {
            return base;
        }
        return base + "/" + rest;
    }
}

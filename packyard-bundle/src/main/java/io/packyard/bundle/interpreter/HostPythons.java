package io.packyard.bundle.interpreter;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Finds and asks CPython interpreters installed on the build machine. An interpreter is only
 * trusted after it has been run: {@code python -I -S -B -c ...} reports its implementation,
 * version and {@code sys.base_prefix}, so pyenv shims and virtual environments resolve to the
 * real installation. {@code -B}: asking never writes bytecode into the interpreter's tree.
 */
final class HostPythons {

    private static final String QUERY = String.join("\n",
            "import sys, sysconfig",
            "print(sys.implementation.name)",
            "print('%d.%d.%d' % sys.version_info[:3])",
            "print(sys.base_prefix)",
            "print(getattr(sys, 'abiflags', ''))",
            "print(sysconfig.get_config_var('LDLIBRARY') or '')");

    /** What a host interpreter said about itself. */
    record HostPython(Path executable, String implementation, String version, Path prefix, String abiflags, String ldlibrary) {
        String xy() {
            String[] p = version.split("\\.");
            return p[0] + "." + p[1];
        }

        /**
         * The installation's own interpreter rather than the one asked (a pyenv shim or a
         * virtual environment's link), when it can be found.
         */
        Path baseExecutable() {
            Path base = prefix.resolve(isWindows() ? "python.exe" : "bin/python" + xy());
            return Files.isRegularFile(base) && Files.isExecutable(base) ? base : executable;
        }

        /** True when the prefix has the {@code ./configure --prefix} layout Packyard can copy. */
        boolean relocatable() {
            return Files.isRegularFile(prefix.resolve("bin/python" + xy()))
                    && Files.isRegularFile(prefix.resolve("lib/python" + xy() + "/os.py"));
        }
    }

    private final Map<String, String> env;

    HostPythons(Map<String, String> env) {
        this.env = env;
    }

    /** Runs the interpreter and asks it; empty when it does not run or is no Python 3. */
    Optional<HostPython> query(Path executable) {
        return query(executable, false);
    }

    /**
     * Runs the interpreter and asks it.
     *
     * @param emptyEnvironment run it with no environment variables at all (like {@code env -i}),
     *     which proves a relocated interpreter finds everything relative to itself
     */
    Optional<HostPython> query(Path executable, boolean emptyEnvironment) {
        if (!Files.isRegularFile(executable) || !Files.isExecutable(executable)) {
            return Optional.empty();
        }
        ProcessBuilder pb = new ProcessBuilder(executable.toString(), "-I", "-S", "-B", "-c", QUERY);
        pb.redirectErrorStream(false);
        pb.redirectError(ProcessBuilder.Redirect.DISCARD);
        pb.redirectInput(ProcessBuilder.Redirect.from(new File(isWindows() ? "NUL" : "/dev/null")));
        Map<String, String> penv = pb.environment();
        if (emptyEnvironment) {
            penv.clear();
        } else {
            penv.keySet().removeIf(k -> k.startsWith("PYTHON"));
        }
        try {
            Process p = pb.start();
            byte[] out;
            try (InputStream in = p.getInputStream()) {
                out = in.readNBytes(1 << 16);
            }
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return Optional.empty();
            }
            if (p.exitValue() != 0) {
                return Optional.empty();
            }
            List<String> lines = new String(out, StandardCharsets.UTF_8).lines().toList();
            if (lines.size() < 5 || !lines.get(1).matches("3\\.[0-9]+\\.[0-9]+")) {
                return Optional.empty();
            }
            return Optional.of(new HostPython(executable.toAbsolutePath(), lines.get(0), lines.get(1),
                    Path.of(lines.get(2)), lines.get(3), lines.get(4)));
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    /**
     * The first CPython whose version is {@code version} ({@code X.Y} or an exact {@code X.Y.Z}):
     * {@code pythonX.Y} on PATH first, then {@code ~/.pyenv/versions} (or {@code $PYENV_ROOT}),
     * newest patch first.
     *
     * @param relocatable only interpreters whose prefix Packyard can copy
     */
    Optional<HostPython> find(String version, boolean relocatable) {
        for (Path candidate : candidates(version)) {
            Optional<HostPython> hp = query(candidate);
            if (hp.isPresent() && hp.get().implementation().equals("cpython") && matches(hp.get().version(), version)
                    && (!relocatable || hp.get().relocatable())) {
                return hp;
            }
        }
        return Optional.empty();
    }

    static boolean matches(String actual, String wanted) {
        return actual.equals(wanted) || actual.startsWith(wanted + ".");
    }

    /** Places to try, in order, without duplicates. */
    List<Path> candidates(String version) {
        String[] parts = version.split("\\.");
        String xy = parts[0] + "." + parts[1];
        LinkedHashSet<Path> out = new LinkedHashSet<>();
        String path = env.getOrDefault("PATH", env.getOrDefault("Path", ""));
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            try {
                Path d = Path.of(dir);
                if (isWindows()) {
                    out.add(d.resolve("python" + xy + ".exe"));
                    out.add(d.resolve("python.exe"));
                    out.add(d.resolve("python3.exe"));
                } else {
                    out.add(d.resolve("python" + xy));
                }
            } catch (RuntimeException e) {
                // an unusable PATH entry
            }
        }
        for (Path prefix : pyenvVersions(version)) {
            out.add(prefix.resolve(isWindows() ? "python.exe" : "bin/python" + xy));
        }
        if (!isWindows()) {
            out.add(Path.of("/usr/bin/python" + xy));
            out.add(Path.of("/usr/local/bin/python" + xy));
        }
        List<Path> existing = new ArrayList<>();
        for (Path p : out) {
            if (Files.isRegularFile(p)) {
                existing.add(p);
            }
        }
        return existing;
    }

    /** {@code $PYENV_ROOT/versions/X.Y.Z} directories matching the version, newest first. */
    List<Path> pyenvVersions(String version) {
        String root = env.get("PYENV_ROOT");
        Path versions = (root != null && !root.isEmpty() ? Path.of(root)
                : Path.of(env.getOrDefault("HOME", System.getProperty("user.home")), ".pyenv")).resolve("versions");
        if (!Files.isDirectory(versions)) {
            return List.of();
        }
        Pattern exact = Pattern.compile("([0-9]+)\\.([0-9]+)\\.([0-9]+)");
        try (Stream<Path> s = Files.list(versions)) {
            return s.filter(Files::isDirectory)
                    .filter(p -> {
                        Matcher m = exact.matcher(p.getFileName().toString());
                        return m.matches() && matches(p.getFileName().toString(), version);
                    })
                    .sorted(Comparator.comparing((Path p) -> Integer.parseInt(p.getFileName().toString().split("\\.")[2]))
                            .reversed())
                    .toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    static boolean isWindows() {
        return System.getProperty("os.name").toLowerCase(Locale.ROOT).startsWith("windows");
    }
}

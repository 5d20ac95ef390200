package io.packyard.bundle.project;

import io.packyard.python.PackyardException;
import io.packyard.python.util.FileTrees;
import io.packyard.python.util.Progress;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Builds a project's wheel (and, when asked, its sdist) through its declared PEP 517 backend, on a host Python, offline and
 * without build isolation: the backend must already be importable by that Python. When it is
 * not, Debian's offline wheels in /usr/share/python-wheels (setuptools, wheel) are put on
 * PYTHONPATH as a fallback, since a pure-Python wheel is importable as is.
 *
 * <p>The source tree is copied to a scratch directory first, so the backend's build/ and
 * *.egg-info droppings never land in the user's checkout.
 */
public final class Pep517Builder {
    /** Exit status the driver script uses to say "the backend is not importable". */
    private static final int BACKEND_MISSING = 97;
    /** Exit status for "setuptools is there but too old to build wheels without the wheel package". */
    private static final int WHEEL_MISSING = 98;
    private static final Set<String> SKIP_DIRS = Set.of(".git", ".hg", ".svn", "build", "dist", ".venv", "venv",
            "__pycache__", ".tox", ".nox", "node_modules", ".mypy_cache", ".pytest_cache");
    private static final String DRIVER = String.join("\n",
            "import importlib, os, sys",
            "spec, out, hook = sys.argv[1], sys.argv[2], sys.argv[3]",
            "for p in reversed(sys.argv[4:]):",
            "    sys.path.insert(0, os.path.abspath(p))",
            "mod, _, attr = spec.partition(':')",
            "try:",
            "    backend = importlib.import_module(mod)",
            "except ImportError as e:",
            "    print('packyard: cannot import build backend %s: %s' % (mod, e), file=sys.stderr)",
            "    sys.exit(" + BACKEND_MISSING + ")",
            "if hook == 'wheel' and mod.startswith('setuptools'):",
            "    import setuptools",
            "    v = tuple(int(x) for x in setuptools.__version__.split('.')[:2] if x.isdigit())",
            "    if v < (70, 1):",
            "        try:",
            "            import wheel.bdist_wheel",
            "        except ImportError as e:",
            "            print('packyard: setuptools %s needs the wheel package: %s' % (setuptools.__version__, e), file=sys.stderr)",
            "            sys.exit(" + WHEEL_MISSING + ")",
            "for part in filter(None, attr.split('.')):",
            "    backend = getattr(backend, part)",
            "if hook == 'wheel':",
            "    print('PACKYARD-WHEEL:' + backend.build_wheel(out))",
            "else:",
            "    print('PACKYARD-SDIST:' + backend.build_sdist(out))",
            "");

    private final Path python;
    private final long sourceDateEpoch;
    private final Progress progress;
    private final Path fallbackWheels;

    private Pep517Builder(Builder b) {
        this.python = b.python;
        this.sourceDateEpoch = b.sourceDateEpoch;
        this.progress = b.progress;
        this.fallbackWheels = b.fallbackWheels;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Options of a {@link Pep517Builder}. */
    public static final class Builder {
        private Path python;
        private long sourceDateEpoch = 315532800L;
        private Progress progress = Progress.NONE;
        private Path fallbackWheels = Path.of("/usr/share/python-wheels");

        /** The host Python that runs the backend; it must have the target's X.Y for extension modules. */
        public Builder python(Path python) {
            this.python = python;
            return this;
        }

        public Builder sourceDateEpoch(long epoch) {
            this.sourceDateEpoch = epoch;
            return this;
        }

        public Builder progress(Progress progress) {
            this.progress = progress;
            return this;
        }

        /** A directory of pure-Python backend wheels tried when the backend is not importable. */
        public Builder fallbackWheels(Path dir) {
            this.fallbackWheels = dir;
            return this;
        }

        public Pep517Builder build() {
            if (python == null) {
                throw new IllegalStateException("python not set");
            }
            return new Pep517Builder(this);
        }
    }

    /**
     * Builds the wheel of the project in {@code sourceDir} into {@code outDir} and returns its path.
     *
     * @param what how errors name the project, e.g. "examples/hello-cli/pyproject.toml"
     */
    public Path buildWheel(Path sourceDir, Project.BuildSystem buildSystem, Path outDir, String what) {
        return build(Hook.WHEEL, sourceDir, buildSystem, outDir, what);
    }

    /**
     * Builds the source distribution of the project in {@code sourceDir} into {@code outDir}
     * through the backend's PEP 517 {@code build_sdist} hook and returns its path (named as the
     * backend names it; older setuptools do not follow PEP 625 yet).
     *
     * @param what how errors name the project, e.g. "examples/hello-cli/pyproject.toml"
     */
    public Path buildSdist(Path sourceDir, Project.BuildSystem buildSystem, Path outDir, String what) {
        return build(Hook.SDIST, sourceDir, buildSystem, outDir, what);
    }

    /** The PEP 517 hooks this builder calls. */
    private enum Hook {
        WHEEL("wheel", "PACKYARD-WHEEL:"),
        SDIST("sdist", "PACKYARD-SDIST:");

        final String id;
        final String marker;

        Hook(String id, String marker) {
            this.id = id;
            this.marker = marker;
        }
    }

    private Path build(Hook hook, Path sourceDir, Project.BuildSystem buildSystem, Path outDir, String what) {
        Path scratch = null;
        try {
            scratch = Files.createTempDirectory("packyard-src-");
            Path copy = scratch.resolve("src");
            copyTree(sourceDir, copy);
            Files.createDirectories(outDir);
            progress.step("Building " + hook.id + " of " + sourceDir.getFileName() + " with " + buildSystem.backend());
            Path log = scratch.resolve("backend.log");
            int rc = run(hook, copy, buildSystem, outDir, log, List.of());
            if (rc == BACKEND_MISSING || rc == WHEEL_MISSING) {
                // a missing backend gets Debian's setuptools and wheel; a present setuptools only the
                // wheel package (Debian's setuptools is patched for Debian's own interpreter)
                List<Path> fallback = fallback(rc == WHEEL_MISSING, scratch);
                if (!fallback.isEmpty()) {
                    rc = run(hook, copy, buildSystem, outDir, log, fallback);
                }
                if (rc == BACKEND_MISSING || rc == WHEEL_MISSING) {
                    throw PackyardException.build(what + ": [build-system].build-backend: '" + buildSystem.backend()
                            + "' is not importable by " + python + " (install it on the host; Packyard builds offline without build isolation)");
                }
            }
            String output = Files.readString(log, StandardCharsets.UTF_8);
            if (rc != 0) {
                tail(output);
                throw PackyardException.build(what + ": the PEP 517 backend " + buildSystem.backend()
                        + " failed to build the " + hook.id + " (exit " + rc + "); its last output is above");
            }
            String name = output.lines().filter(l -> l.startsWith(hook.marker))
                    .map(l -> l.substring(hook.marker.length()).trim()).reduce((a, b) -> b)
                    .orElseThrow(() -> PackyardException.build(what + ": the backend reported no " + hook.id));
            Path wheel = outDir.resolve(name);
            if (!Files.isRegularFile(wheel)) {
                throw PackyardException.build(what + ": the backend reported " + name + " but did not write it");
            }
            return wheel;
        } catch (IOException e) {
            throw PackyardException.build(what + ": building the " + hook.id + " failed: " + e.getMessage(), e);
        } finally {
            if (scratch != null) {
                FileTrees.deleteQuietly(scratch);
            }
        }
    }

    private int run(Hook hook, Path dir, Project.BuildSystem bs, Path outDir, Path log, List<Path> extraPath)
            throws IOException {
        List<String> cmd = new ArrayList<>(List.of(python.toString(), "-c", DRIVER, bs.backend(),
                outDir.toAbsolutePath().toString(), hook.id));
        cmd.addAll(bs.backendPath());
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        Map<String, String> env = pb.environment();
        env.put("SOURCE_DATE_EPOCH", Long.toString(sourceDateEpoch));
        env.put("PIP_NO_INDEX", "1");
        env.put("PIP_NO_BUILD_ISOLATION", "0");
        env.put("PYTHONDONTWRITEBYTECODE", "1");
        env.remove("PYTHONHOME");
        env.remove("PYTHONPATH");
        if (!extraPath.isEmpty()) {
            env.put("PYTHONPATH", String.join(java.io.File.pathSeparator, extraPath.stream().map(Path::toString).toList()));
        }
        Process p = pb.start();
        try {
            return p.waitFor();
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
    }

    /**
     * PYTHONPATH entries that supply setuptools and wheel (or only wheel) offline, in order of
     * preference: the wheels CPython ships in its own test directory (they match that
     * interpreter), Debian's /usr/share/python-wheels, and Debian's pure-Python {@code wheel}
     * package (python3-wheel), linked alone into a scratch directory so nothing else of Debian's
     * dist-packages comes along.
     */
    private List<Path> fallback(boolean wheelOnly, Path scratch) throws IOException {
        List<Path> dirs = new ArrayList<>();
        Path prefix = python.toAbsolutePath().getParent() == null ? null : python.toAbsolutePath().getParent().getParent();
        if (prefix != null && Files.isDirectory(prefix.resolve("lib"))) {
            try (Stream<Path> s = Files.list(prefix.resolve("lib"))) {
                for (Path lib : s.filter(p -> p.getFileName().toString().startsWith("python3")).sorted().toList()) {
                    dirs.add(lib.resolve("test"));
                    dirs.add(lib.resolve("test/wheeldata"));
                }
            }
        }
        if (fallbackWheels != null) {
            dirs.add(fallbackWheels);
        }
        List<Path> out = new ArrayList<>();
        for (String pkg : wheelOnly ? List.of("wheel") : List.of("setuptools", "wheel")) {
            Optional<Path> whl = Optional.empty();
            for (Path d : dirs) {
                whl = newestWheel(d, pkg);
                if (whl.isPresent()) {
                    break;
                }
            }
            if (whl.isPresent()) {
                out.add(whl.get());
            } else if (pkg.equals("wheel") && Files.isDirectory(DEBIAN_DIST_PACKAGES.resolve("wheel"))) {
                // the package and its metadata (setuptools finds bdist_wheel through its entry points)
                Path alone = Files.createDirectories(scratch.resolve("wheel-package"));
                try (Stream<Path> s = Files.list(DEBIAN_DIST_PACKAGES)) {
                    for (Path p : s.filter(p -> {
                        String n = p.getFileName().toString();
                        return n.equals("wheel") || n.startsWith("wheel-") && (n.endsWith(".egg-info") || n.endsWith(".dist-info"));
                    }).toList()) {
                        Files.createSymbolicLink(alone.resolve(p.getFileName().toString()), p);
                    }
                }
                out.add(alone);
            }
        }
        return out;
    }

    private static final Path DEBIAN_DIST_PACKAGES = Path.of("/usr/lib/python3/dist-packages");

    private static Optional<Path> newestWheel(Path dir, String project) throws IOException {
        if (!Files.isDirectory(dir)) {
            return Optional.empty();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> {
                String n = p.getFileName().toString();
                return n.startsWith(project + "-") && n.endsWith("-py3-none-any.whl");
            }).max(Comparator.comparing(p -> p.getFileName().toString()));
        }
    }

    private void tail(String output) {
        List<String> lines = output.lines().toList();
        for (String l : lines.subList(Math.max(0, lines.size() - 25), lines.size())) {
            System.err.println("  | " + l);
        }
    }

    static void copyTree(Path from, Path to) throws IOException {
        Files.walkFileTree(from, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                String n = dir.getFileName() == null ? "" : dir.getFileName().toString();
                if (!dir.equals(from) && (SKIP_DIRS.contains(n) || n.endsWith(".egg-info"))) {
                    return FileVisitResult.SKIP_SUBTREE;
                }
                Files.createDirectories(to.resolve(from.relativize(dir).toString()));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Path dest = to.resolve(from.relativize(file).toString());
                if (attrs.isSymbolicLink()) {
                    Files.createSymbolicLink(dest, Files.readSymbolicLink(file));
                } else {
                    Files.copy(file, dest, StandardCopyOption.COPY_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
                }
                return FileVisitResult.CONTINUE;
            }
        });
    }
}

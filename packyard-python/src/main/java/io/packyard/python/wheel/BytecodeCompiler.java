package io.packyard.python.wheel;

import io.packyard.python.PackyardException;
import io.packyard.python.util.Progress;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Compiles the {@code .py} files of a staged bundle to {@code __pycache__/*.pyc} with a host
 * interpreter of the target's Python X.Y (bytecode is specific to X.Y).
 *
 * <p>The {@code .pyc} files are PEP 552 unchecked-hash pycs: they carry a hash of the source
 * instead of its mtime and are never revalidated, so nothing is written under the installation
 * at run time and the files do not depend on when they were built. Each code object's
 * {@code co_filename} is the installed path ({@code installPrefix} + the bundle-relative path),
 * not the staging path: the staging directory never leaks into the bytes (which would break
 * reproducibility), and code loaded without its source names the right file. (When CPython
 * imports a pyc next to its source it sets co_filename to the source's actual path anyway.)
 *
 * <p>Reproducibility: the same tree compiled twice gives identical bytes. The interpreter runs
 * with {@code PYTHONHASHSEED=0} (set and frozenset constants are marshalled in hash order),
 * {@code SOURCE_DATE_EPOCH} set, every other {@code PYTHON*} variable removed, {@code -S -s}
 * (no site-packages, no .pth side effects). Files are compiled in sorted order in fixed chunks of
 * {@value #CHUNK} files, one fresh interpreter per chunk, so the work done in a process (which
 * can influence marshal's reference flags) does not depend on the number of CPUs; chunks run in
 * parallel. This is why this class drives {@code py_compile} itself rather than
 * {@code compileall -j 0}, whose process pool hands files to workers in a timing-dependent order.
 *
 * <p>Files that do not compile (for example Python 2 files some projects ship in their test
 * data) are reported as warnings and skipped, as pip does.
 */
public final class BytecodeCompiler {

    /**
     * Files per interpreter process. Small enough that the chunks of a typical bundle (1,500
     * files for 30 distributions) keep every CPU busy to the end, large enough that starting an
     * interpreter (about 20 ms) stays a small part of a chunk's work. Changing it changes the
     * .pyc bytes (see above), never their reproducibility.
     */
    public static final int CHUNK = 128;

    private static final String SCRIPT = """
            import importlib.util, os, py_compile, sys
            want, stage, prefix, sep = sys.argv[1:5]
            have = "%d.%d" % sys.version_info[:2]
            if have != want:
                sys.stderr.write("error: the host interpreter is Python %s, the target is Python %s\\n" % (have, want))
                sys.exit(3)
            mode = getattr(py_compile, "PycInvalidationMode", None)
            if mode is None:
                sys.stderr.write("error: Python %s cannot write unchecked-hash .pyc files (3.7 or later needed)\\n" % have)
                sys.exit(3)
            out = sys.stdout.buffer
            for rel in sys.stdin.buffer.read().decode("utf-8", "surrogateescape").split("\\0"):
                if not rel:
                    continue
                src = os.path.join(stage, *rel.split("/"))
                cfile = importlib.util.cache_from_source(src)
                try:
                    py_compile.compile(src, cfile=cfile, dfile=prefix + sep + rel.replace("/", sep), doraise=True,
                                       invalidation_mode=mode.UNCHECKED_HASH)
                except py_compile.PyCompileError as e:
                    msg = ("%s: %s" % (e.exc_type_name, e.exc_value)).replace("\\n", " ")
                    sys.stderr.write("warning: %s: %s\\n" % (rel, msg))
                    continue
                out.write(os.path.relpath(cfile, stage).replace(os.sep, "/").encode("utf-8", "surrogateescape") + b"\\0")
            out.flush()
            """;

    private final Path python;
    private final String pythonXY;
    private final long sourceDateEpoch;
    private final int parallelism;
    private final Progress progress;
    /** Where compiled chunks are kept, or null. */
    private final Path cache;
    /** SHA-256 of the compiling interpreter's files, computed once. */
    private volatile String interpreterIdentity;

    /**
     * @param hostPython an interpreter of the target's X.Y that runs on this machine
     * @param pythonXY the target's "X.Y"; compilation fails if the host interpreter differs
     * @param sourceDateEpoch the SOURCE_DATE_EPOCH given to the interpreter
     * @param progress warnings (files that do not compile) go here
     */
    public BytecodeCompiler(Path hostPython, String pythonXY, long sourceDateEpoch, Progress progress) {
        this(hostPython, pythonXY, sourceDateEpoch, Runtime.getRuntime().availableProcessors(), progress);
    }

    /** As above, running at most {@code parallelism} interpreters at a time (the output does not depend on it). */
    public BytecodeCompiler(Path hostPython, String pythonXY, long sourceDateEpoch, int parallelism, Progress progress) {
        this(hostPython, pythonXY, sourceDateEpoch, parallelism, progress, null);
    }

    private BytecodeCompiler(Path hostPython, String pythonXY, long sourceDateEpoch, int parallelism, Progress progress,
            Path cache) {
        this.python = Objects.requireNonNull(hostPython, "hostPython");
        this.pythonXY = Objects.requireNonNull(pythonXY, "pythonXY");
        this.sourceDateEpoch = sourceDateEpoch;
        this.parallelism = Math.max(1, parallelism);
        this.progress = progress == null ? Progress.NONE : progress;
        this.cache = cache;
    }

    /**
     * This compiler, keeping each chunk's compiled files in {@code dir} (created when needed)
     * and taking them from there when a later build compiles the same chunk again. A chunk is
     * found under a SHA-256 of everything its bytes depend on: this class's script, the
     * interpreter's executable and libpython files, the install prefix, SOURCE_DATE_EPOCH, and
     * the chunk's files in order, each with its path and a SHA-256 of its source. The standard
     * library's chunks come back build after build; a change to one file of the application
     * recompiles its chunk only (adding or removing a file shifts the chunks after it). The
     * cached bytes are the ones compiling the chunk gives, so reproducibility is unchanged. A
     * cache that cannot be read or written is passed over.
     */
    public BytecodeCompiler withCache(Path dir) {
        return new BytecodeCompiler(python, pythonXY, sourceDateEpoch, parallelism, progress, dir);
    }

    /**
     * Compiles every {@code .py} file under the given bundle directories (symbolic links are not
     * followed; existing {@code .pyc} files are replaced).
     *
     * @param stageRoot the staged bundle root
     * @param installPrefix where the bundle root will be on the target, for example
     *     {@code /opt/acme/notes} (a Windows prefix such as {@code C:\Program Files\Acme\Notes} makes
     *     the recorded paths use backslashes)
     * @param dirs bundle-relative directories, '/'-separated
     * @return the {@code .pyc} files written, bundle-relative, sorted
     */
    public List<String> compile(Path stageRoot, String installPrefix, Collection<String> dirs) {
        return compile(stageRoot, installPrefix, dirs, List.of());
    }

    /**
     * As {@link #compile(Path, String, Collection)}, leaving out the directories {@code skip}
     * (bundle-relative; not even listed, so another thread may be writing in them): the standard
     * library can be compiled while wheels are installed into its site-packages. A separate
     * call's files make chunks of their own, so the bytes of a file depend on which call compiled
     * it; a build that always splits its files the same way stays reproducible.
     */
    public List<String> compile(Path stageRoot, String installPrefix, Collection<String> dirs, Collection<String> skip) {
        Path rootAbs = stageRoot.toAbsolutePath().normalize();
        String sep = installPrefix.contains("\\") ? "\\" : "/";
        String prefix = installPrefix.endsWith(sep) ? installPrefix.substring(0, installPrefix.length() - 1) : installPrefix;
        List<String> sources = new ArrayList<>(findSources(rootAbs, dirs, skip));
        if (sources.isEmpty()) {
            return List.of();
        }
        for (String s : sources) {
            if (s.indexOf('\0') >= 0) {
                throw PackyardException.build("cannot compile " + s + ": NUL in file name");
            }
        }
        progress.step("Compiling " + sources.size() + " Python files with " + python);
        List<List<String>> chunks = new ArrayList<>();
        for (int i = 0; i < sources.size(); i += CHUNK) {
            chunks.add(sources.subList(i, Math.min(sources.size(), i + CHUNK)));
        }
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(parallelism, chunks.size()));
        try {
            List<Future<List<String>>> futures = new ArrayList<>();
            for (List<String> chunk : chunks) {
                futures.add(pool.submit(() -> chunk(rootAbs, prefix, sep, chunk)));
            }
            TreeSet<String> compiled = new TreeSet<>();
            long done = 0;
            for (Future<List<String>> f : futures) {
                try {
                    List<String> pycs = f.get();
                    compiled.addAll(pycs);
                    done += CHUNK;
                    progress.advance(Math.min(done, sources.size()), sources.size());
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof PackyardException pe) {
                        throw pe;
                    }
                    throw PackyardException.build("bytecode compilation failed: " + e.getCause(), e.getCause());
                }
            }
            for (String pyc : compiled) {
                Path p = rootAbs.resolve(pyc);
                FileModes.set(p, 0644);
                FileModes.set(p.getParent(), 0755);
            }
            if (cache != null) {
                ChunkCache.prune(cache);
            }
            return List.copyOf(compiled);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw PackyardException.build("bytecode compilation interrupted", e);
        } catch (IOException e) {
            throw PackyardException.build("bytecode compilation: " + e.getMessage(), e);
        } finally {
            pool.shutdownNow();
        }
    }

    /** The .pyc files a chunk gave (bundle-relative) and its warnings. */
    private record ChunkResult(List<String> pycs, List<String> warnings) {}

    /** One chunk, from the cache when it holds it; its warnings reported either way. */
    private List<String> chunk(Path root, String prefix, String sep, List<String> chunk) throws IOException, InterruptedException {
        String key = cache == null ? null : chunkKey(root, prefix, sep, chunk);
        ChunkResult result = key == null ? null : ChunkCache.read(cache, key, root);
        if (result == null) {
            result = compileChunk(root, prefix, sep, chunk);
            if (key != null) {
                ChunkCache.write(cache, key, root, result.pycs(), result.warnings());
            }
        }
        for (String w : result.warnings()) {
            progress.warn("bytecode: " + w);
        }
        return result.pycs();
    }

    /** SHA-256 of everything the chunk's .pyc bytes depend on (see {@link #withCache}). */
    private String chunkKey(Path root, String prefix, String sep, List<String> chunk) throws IOException {
        MessageDigest key = io.packyard.python.index.Hashes.digest("sha256");
        java.util.function.Consumer<String> add = text -> key.update((text + "\n").getBytes(StandardCharsets.UTF_8));
        add.accept(ChunkCache.MAGIC);
        add.accept(SCRIPT);
        add.accept(pythonXY + "\0" + interpreterIdentity() + "\0" + prefix + "\0" + sep + "\0" + sourceDateEpoch);
        for (String rel : chunk) {
            add.accept(rel + "\0" + io.packyard.python.index.Hashes.sha256(root.resolve(rel)));
        }
        return HexFormat.of().formatHex(key.digest());
    }

    /** SHA-256 of the interpreter's executable and of the libpython files beside it or in ../lib. */
    private String interpreterIdentity() throws IOException {
        String id = interpreterIdentity;
        if (id == null) {
            MessageDigest d = io.packyard.python.index.Hashes.digest("sha256");
            Path exe = python.toRealPath();
            d.update(Files.readAllBytes(exe));
            TreeSet<Path> libs = new TreeSet<>();
            for (Path dir : new Path[] {exe.getParent(), exe.getParent().resolveSibling("lib")}) {
                if (Files.isDirectory(dir)) {
                    try (var list = Files.newDirectoryStream(dir, "libpython*")) {
                        list.forEach(libs::add);
                    }
                }
            }
            for (Path lib : libs) {
                if (Files.isRegularFile(lib)) {
                    d.update((lib.getFileName() + "\0").getBytes(StandardCharsets.UTF_8));
                    d.update(Files.readAllBytes(lib));
                }
            }
            id = HexFormat.of().formatHex(d.digest());
            interpreterIdentity = id;
        }
        return id;
    }

    private ChunkResult compileChunk(Path root, String prefix, String sep, List<String> chunk) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(python.toString(), "-S", "-s", "-c", SCRIPT, pythonXY, root.toString(), prefix, sep);
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("PYTHON"));
        env.put("PYTHONHASHSEED", "0");
        env.put("PYTHONUTF8", "1");
        env.put("SOURCE_DATE_EPOCH", Long.toString(sourceDateEpoch));
        Process proc;
        try {
            proc = pb.start();
        } catch (IOException e) {
            throw PackyardException.build("cannot run " + python + ": " + e.getMessage(), e);
        }
        CompletableFuture<byte[]> stdout = drain(proc.getInputStream());
        CompletableFuture<byte[]> stderr = drain(proc.getErrorStream());
        try (OutputStream in = proc.getOutputStream()) {
            for (String s : chunk) {
                in.write(s.getBytes(StandardCharsets.UTF_8));
                in.write(0);
            }
        } catch (IOException e) {
            // the process died early: its exit status and stderr tell why
        }
        int rc = proc.waitFor();
        String err = new String(stderr.join(), StandardCharsets.UTF_8);
        byte[] out = stdout.join();
        List<String> errors = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        for (String line : err.split("\n")) {
            if (line.startsWith("warning: ")) {
                warnings.add(line.substring("warning: ".length()));
            } else if (!line.isBlank()) {
                errors.add(line.startsWith("error: ") ? line.substring("error: ".length()) : line);
            }
        }
        if (rc != 0) {
            throw PackyardException.build("bytecode compilation with " + python + " failed (exit status " + rc + ")"
                    + (errors.isEmpty() ? "" : ": " + String.join(" / ", errors.subList(Math.max(0, errors.size() - 3), errors.size()))));
        }
        List<String> pycs = new ArrayList<>();
        for (String s : new String(out, StandardCharsets.UTF_8).split("\0")) {
            if (!s.isEmpty()) {
                pycs.add(s);
            }
        }
        return new ChunkResult(pycs, warnings);
    }

    /** Reads a stream to its end on a thread of its own. */
    private static CompletableFuture<byte[]> drain(InputStream in) {
        CompletableFuture<byte[]> result = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try (in) {
                ByteArrayOutputStream b = new ByteArrayOutputStream();
                in.transferTo(b);
                result.complete(b.toByteArray());
            } catch (IOException e) {
                result.completeExceptionally(new UncheckedIOException(e));
            }
        });
        return result;
    }

    /** The bundle-relative {@code .py} files under the directories but not under {@code skip}, sorted. */
    static TreeSet<String> findSources(Path root, Collection<String> dirs, Collection<String> skip) {
        Set<Path> skipped = skipped(root, skip);
        TreeSet<String> out = new TreeSet<>();
        for (String d : dirs) {
            InstallScheme.checkRelative("bytecode directory", d);
            Path dir = root.resolve(d);
            if (!Files.isDirectory(dir)) {
                continue;
            }
            try {
                Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                    @Override
                    public FileVisitResult preVisitDirectory(Path p, BasicFileAttributes attrs) {
                        return skipped.contains(p) ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
                    }

                    @Override
                    public FileVisitResult visitFile(Path p, BasicFileAttributes attrs) {
                        if (attrs.isRegularFile() && p.getFileName().toString().endsWith(".py")) {
                            out.add(root.relativize(p).toString().replace('\\', '/'));
                        }
                        return FileVisitResult.CONTINUE;
                    }
                });
            } catch (IOException | UncheckedIOException e) {
                throw PackyardException.build("cannot list " + dir + ": " + e.getMessage(), e);
            }
        }
        return out;
    }

    private static Set<Path> skipped(Path root, Collection<String> skip) {
        Set<Path> out = new HashSet<>();
        for (String d : skip) {
            InstallScheme.checkRelative("bytecode directory", d);
            out.add(root.resolve(d));
        }
        return out;
    }

    /**
     * Deletes every {@code __pycache__} directory under the given bundle directories (for example
     * bytecode a wheel shipped, or left from an earlier build).
     *
     * @return the bundle-relative directories deleted, sorted
     */
    public static List<String> deletePycache(Path stageRoot, Collection<String> dirs) {
        return deletePycache(stageRoot, dirs, List.of());
    }

    /** As {@link #deletePycache(Path, Collection)}, leaving the directories {@code skip} alone. */
    public static List<String> deletePycache(Path stageRoot, Collection<String> dirs, Collection<String> skip) {
        Path root = stageRoot.toAbsolutePath().normalize();
        Set<Path> skipped = skipped(root, skip);
        TreeSet<String> deleted = new TreeSet<>();
        for (String d : dirs) {
            InstallScheme.checkRelative("bytecode directory", d);
            Path dir = root.resolve(d);
            if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                continue;
            }
            try {
                Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                    private Path inCache;

                    @Override
                    public FileVisitResult preVisitDirectory(Path p, BasicFileAttributes attrs) {
                        if (skipped.contains(p)) {
                            return FileVisitResult.SKIP_SUBTREE;
                        }
                        if (inCache == null && p.getFileName().toString().equals("__pycache__")) {
                            inCache = p;
                        }
                        return FileVisitResult.CONTINUE;
                    }

                    @Override
                    public FileVisitResult visitFile(Path p, BasicFileAttributes attrs) throws IOException {
                        if (inCache != null) {
                            Files.delete(p);
                        }
                        return FileVisitResult.CONTINUE;
                    }

                    @Override
                    public FileVisitResult postVisitDirectory(Path p, IOException exc) throws IOException {
                        if (exc != null) {
                            throw exc;
                        }
                        if (inCache != null) {
                            Files.delete(p);
                            if (p.equals(inCache)) {
                                deleted.add(root.relativize(p).toString().replace('\\', '/'));
                                inCache = null;
                            }
                        }
                        return FileVisitResult.CONTINUE;
                    }
                });
            } catch (IOException e) {
                throw PackyardException.build("cannot delete __pycache__ under " + dir + ": " + e.getMessage(), e);
            }
        }
        return List.copyOf(deleted);
    }

    /**
     * The chunk cache's files: {@code <dir>/<key>.chunk} holds a magic line, the chunk's .pyc
     * files (path and bytes) and its warnings, and ends with a SHA-256 of all that; written to a
     * temporary name and renamed, so a reader sees a whole entry or none, and one that does not
     * check out is ignored.
     */
    private static final class ChunkCache {
        static final String MAGIC = "packyard bytecode chunk v1";

        static ChunkResult read(Path dir, String key, Path root) {
            Path file = dir.resolve(key + ".chunk");
            byte[] all;
            try {
                all = Files.readAllBytes(file);
            } catch (IOException e) {
                return null; // not cached (or unreadable: compiled again)
            }
            if (all.length < 32) {
                return null;
            }
            MessageDigest d = io.packyard.python.index.Hashes.digest("sha256");
            d.update(all, 0, all.length - 32);
            if (!java.util.Arrays.equals(d.digest(), java.util.Arrays.copyOfRange(all, all.length - 32, all.length))) {
                return null;
            }
            try (var in = new java.io.DataInputStream(new java.io.ByteArrayInputStream(all, 0, all.length - 32))) {
                if (!in.readUTF().equals(MAGIC)) {
                    return null;
                }
                int n = in.readInt();
                List<String> pycs = new ArrayList<>(n);
                List<byte[]> bytes = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    String rel = in.readUTF();
                    InstallScheme.checkRelative("cached bytecode", rel);
                    byte[] b = new byte[in.readInt()];
                    in.readFully(b);
                    pycs.add(rel);
                    bytes.add(b);
                }
                int w = in.readInt();
                List<String> warnings = new ArrayList<>(w);
                for (int i = 0; i < w; i++) {
                    warnings.add(in.readUTF());
                }
                for (int i = 0; i < n; i++) {
                    Path target = root.resolve(pycs.get(i));
                    Files.createDirectories(target.getParent());
                    Files.write(target, bytes.get(i));
                }
                touch(file);
                return new ChunkResult(pycs, warnings);
            } catch (IOException | RuntimeException e) {
                return null;
            }
        }

        /** Entries no build has used for this long are deleted ({@link #prune}). */
        static final java.time.Duration UNUSED = java.time.Duration.ofDays(30);

        /** Marks an entry used now (the modification time is the last use). */
        private static void touch(Path file) {
            try {
                Files.setLastModifiedTime(file, java.nio.file.attribute.FileTime.from(java.time.Instant.now()));
            } catch (IOException e) {
                // read-only cache: the entry may be pruned earlier than it should
            }
        }

        /** Deletes the entries unused for {@link #UNUSED}, so the cache does not grow without end. */
        static void prune(Path dir) {
            if (!Files.isDirectory(dir)) {
                return;
            }
            java.time.Instant before = java.time.Instant.now().minus(UNUSED);
            try (var list = Files.newDirectoryStream(dir, "*.chunk")) {
                for (Path f : list) {
                    if (Files.getLastModifiedTime(f).toInstant().isBefore(before)) {
                        Files.deleteIfExists(f);
                    }
                }
            } catch (IOException | RuntimeException e) {
                // another build pruning at the same time, or a read-only cache
            }
        }

        static void write(Path dir, String key, Path root, List<String> pycs, List<String> warnings) {
            try {
                ByteArrayOutputStream buf = new ByteArrayOutputStream();
                try (var out = new java.io.DataOutputStream(buf)) {
                    out.writeUTF(MAGIC);
                    out.writeInt(pycs.size());
                    for (String rel : pycs) {
                        byte[] b = Files.readAllBytes(root.resolve(rel));
                        out.writeUTF(rel);
                        out.writeInt(b.length);
                        out.write(b);
                    }
                    out.writeInt(warnings.size());
                    for (String w : warnings) {
                        out.writeUTF(w);
                    }
                }
                byte[] body = buf.toByteArray();
                MessageDigest d = io.packyard.python.index.Hashes.digest("sha256");
                Files.createDirectories(dir);
                Path tmp = Files.createTempFile(dir, ".chunk-", ".tmp");
                try {
                    try (OutputStream o = Files.newOutputStream(tmp)) {
                        o.write(body);
                        o.write(d.digest(body));
                    }
                    Files.move(tmp, dir.resolve(key + ".chunk"), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                            java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                } finally {
                    Files.deleteIfExists(tmp);
                }
            } catch (IOException | RuntimeException e) {
                // a cache that cannot be written only costs the next build the compilation
            }
        }
    }
}

package io.packyard.builds.exec;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Runs one command of a build job in an isolated workspace, with a time limit and a disk limit.
 *
 * <h2>Isolation</h2>
 * With {@link Isolation#BUBBLEWRAP} (or {@link Isolation#AUTO} when {@code bwrap} works on this
 * machine, probed once per JVM) the command runs under bubblewrap:
 * <ul>
 *   <li>the whole host file system is mounted <b>read-only</b>; only the workspace (and the extra
 *       writable binds the caller names) can be written; {@code /tmp} is a fresh tmpfs (bounded by
 *       the disk limit when there is one), {@code /dev} a minimal device tree, {@code /proc} the
 *       sandbox's own;</li>
 *   <li>own user, pid, ipc, uts and cgroup namespaces: the command runs as uid/gid 65534 inside a
 *       user namespace, sees only its own processes, cannot signal or trace the worker's, and
 *       everything it starts dies with it ({@code --die-with-parent}); {@code --new-session}
 *       keeps it off the worker's terminal; nested user namespaces are refused when bwrap supports
 *       {@code --disable-userns};</li>
 *   <li>the environment is built from scratch: {@code PATH}, {@code LANG=C.UTF-8}, {@code HOME}
 *       and {@code TMPDIR} inside the workspace and the variables the caller gives; nothing of the
 *       worker's own environment (tokens, credentials) leaks in; stdin is closed.</li>
 * </ul>
 * What is <b>not</b> isolated: the network is shared (builds must reach a package index);
 * everything on the host that is world-readable stays readable, and because the uid outside the
 * namespace is the worker's (root on a CI machine), so do root-only files such as
 * {@code /root/.pyenv}, where the host CPython used by builds lives: do not keep secrets on a
 * worker's file system. CPU and memory are not limited here (no cgroup controller is set up);
 * the time limit bounds CPU time indirectly. The disk limit is enforced by a watcher that sums the
 * workspace's file sizes about once a second, so a fast writer can overshoot it by what it
 * writes in a second.
 *
 * <p>With {@link Isolation#NONE} the command runs as a plain child process of the worker (for
 * development machines without bubblewrap): limits, environment and streaming work the same, but
 * nothing stops it from writing anywhere the worker can.
 *
 * <h2>Limits and cancellation</h2>
 * When the time limit expires, the disk limit is exceeded or the run is {@linkplain
 * SandboxRun#cancel() cancelled}, the whole process tree is stopped: every descendant gets
 * SIGTERM, then after a grace period SIGKILL; under bubblewrap the pid namespace guarantees that
 * nothing survives. The {@link SandboxResult} says which limit stopped it.
 */
public final class Sandbox {

    /** How commands are isolated. */
    public enum Isolation {
        /** Bubblewrap when it works on this machine, else none. */
        AUTO,
        /** Bubblewrap, and fail when it is missing or does not work. */
        BUBBLEWRAP,
        /** A plain child process: no isolation, only the limits. */
        NONE
    }

    /** The uid and gid the command has inside the sandbox. */
    public static final int SANDBOX_UID = 65534;

    private static final String DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    private final Path workspace;
    private final Duration timeLimit;
    private final long diskLimitBytes;
    private final Isolation isolation;
    private final Map<String, String> env;
    private final List<Path> readOnlyBinds;
    private final List<Path> writableBinds;
    private final Duration killGrace;
    private final String bwrap;

    private Sandbox(Builder b) {
        this.workspace = Objects.requireNonNull(b.workspace, "workspace").toAbsolutePath().normalize();
        this.timeLimit = b.timeLimit;
        this.diskLimitBytes = b.diskLimitBytes;
        this.isolation = b.isolation;
        this.env = Map.copyOf(b.env);
        this.readOnlyBinds = List.copyOf(b.readOnlyBinds);
        this.writableBinds = List.copyOf(b.writableBinds);
        this.killGrace = b.killGrace;
        this.bwrap = b.bwrap;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this sandbox's settings, to derive a variant. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.workspace = workspace;
        b.timeLimit = timeLimit;
        b.diskLimitBytes = diskLimitBytes;
        b.isolation = isolation;
        b.env.putAll(env);
        b.readOnlyBinds.addAll(readOnlyBinds);
        b.writableBinds.addAll(writableBinds);
        b.killGrace = killGrace;
        b.bwrap = bwrap;
        return b;
    }

    public Path workspace() {
        return workspace;
    }

    public Optional<Duration> timeLimit() {
        return Optional.ofNullable(timeLimit);
    }

    /** The disk limit in bytes; 0 when there is none. */
    public long diskLimitBytes() {
        return diskLimitBytes;
    }

    public Isolation isolation() {
        return isolation;
    }

    /** True when commands run under bubblewrap (AUTO resolved by probing). */
    public boolean isolated() {
        return switch (isolation) {
            case NONE -> false;
            case BUBBLEWRAP -> true;
            case AUTO -> BwrapProbe.of(bwrap).works();
        };
    }

    /** HOME of the command: {@code <workspace>/.home}. */
    public Path home() {
        return workspace.resolve(".home");
    }

    /** TMPDIR of the command: {@code <workspace>/.tmp}. */
    public Path tmpDir() {
        return workspace.resolve(".tmp");
    }

    /** Runs {@code command} in {@code workDir} and waits for it: {@link #start} + {@link SandboxRun#await}. */
    public SandboxResult run(List<String> command, Path workDir, Consumer<String> logLine)
            throws IOException, InterruptedException {
        SandboxRun r = start(command, workDir, logLine);
        try {
            return r.await();
        } catch (InterruptedException e) {
            r.cancel();
            throw e;
        }
    }

    /**
     * Starts {@code command} in {@code workDir} (which must be inside the workspace or a bind);
     * its stdout and stderr, merged, go to {@code logLine} line by line as they come.
     *
     * @throws IOException when the command cannot be started, or when bubblewrap is required and
     *                     missing or broken
     */
    public SandboxRun start(List<String> command, Path workDir, Consumer<String> logLine) throws IOException {
        return start(command, workDir, logLine, null);
    }

    /**
     * Starts a command as root with the few capabilities a package manager needs, for {@link
     * VerifyStep}: no user namespace (so files can belong to any uid), the same read-only host
     * view (the root is a tmpfs with each host top-level entry bound read-only on it), and
     * capabilities limited to CHOWN, DAC_OVERRIDE, DAC_READ_SEARCH, FOWNER, FSETID,
     * SETUID, SETGID and KILL once {@code setupScript} (a trusted shell script, run first with
     * SYS_ADMIN to set up mounts) is done: SYS_ADMIN and SETPCAP are dropped from the bounding set
     * before {@code command} runs, so it can neither mount nor remount anything.
     */
    SandboxRun startPrivileged(String setupScript, List<String> command, Path workDir, Consumer<String> logLine)
            throws IOException {
        Objects.requireNonNull(setupScript, "setupScript");
        if (!isolated()) {
            throw new IOException("a privileged sandbox needs bubblewrap (isolation " + isolation + ")");
        }
        Object uid = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        if (!Integer.valueOf(0).equals(uid)) {
            throw new IOException("a privileged sandbox needs a worker running as root (uid is " + uid + ")");
        }
        return start(command, workDir, logLine, setupScript);
    }

    private SandboxRun start(List<String> command, Path workDir, Consumer<String> logLine, String privilegedSetup)
            throws IOException {
        if (command.isEmpty()) {
            throw new IllegalArgumentException("empty command");
        }
        Objects.requireNonNull(logLine, "logLine");
        Path dir = workDir.toAbsolutePath().normalize();
        Files.createDirectories(workspace);
        Files.createDirectories(home());
        Files.createDirectories(tmpDir());
        boolean useBwrap = isolated();
        if (useBwrap && !BwrapProbe.of(bwrap).works()) {
            throw new IOException("bubblewrap is required but does not work here: " + BwrapProbe.of(bwrap).problem());
        }
        List<String> argv = new ArrayList<>();
        if (useBwrap) {
            argv.addAll(bwrapArgs(dir, privilegedSetup != null));
            if (privilegedSetup != null) {
                argv.addAll(List.of("/bin/sh", "-c", privilegedSetup
                        + "\nexec setpriv --bounding-set -sys_admin,-setpcap --inh-caps -all -- \"$@\"", "packyard-setup"));
            }
        }
        argv.addAll(command);
        ProcessBuilder pb = new ProcessBuilder(argv)
                .directory(useBwrap ? null : dir.toFile())
                .redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        Map<String, String> e = pb.environment();
        e.clear();
        e.putAll(environment());
        Process p = pb.start();
        return new Running(p, logLine);
    }

    /** The command's environment. */
    Map<String, String> environment() {
        Map<String, String> e = new TreeMap<>();
        String path = System.getenv("PATH");
        e.put("PATH", path == null || path.isBlank() ? DEFAULT_PATH : path);
        e.put("LANG", "C.UTF-8");
        e.put("LC_ALL", "C.UTF-8");
        e.put("HOME", home().toString());
        e.put("TMPDIR", tmpDir().toString());
        e.putAll(env);
        return e;
    }

    private List<String> bwrapArgs(Path workDir, boolean privileged) {
        List<String> a = new ArrayList<>();
        a.add(bwrap);
        if (privileged) {
            // No user namespace: real root with a handful of capabilities (see startPrivileged)
            a.addAll(List.of("--unshare-ipc", "--unshare-pid", "--unshare-uts", "--unshare-cgroup-try"));
            a.addAll(List.of("--cap-drop", "ALL"));
            for (String cap : List.of("CAP_SYS_ADMIN", "CAP_SETPCAP", "CAP_CHOWN", "CAP_DAC_OVERRIDE",
                    "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_SETUID", "CAP_SETGID", "CAP_KILL")) {
                a.addAll(List.of("--cap-add", cap));
            }
        } else {
            a.addAll(List.of("--unshare-all", "--unshare-user", "--share-net"));
            if (BwrapProbe.of(bwrap).disableUserns()) {
                a.add("--disable-userns");
            }
        }
        a.addAll(List.of("--die-with-parent", "--new-session", "--hostname", "packyard-sandbox"));
        if (privileged) {
            // The root is bwrap's own tmpfs with each host top-level entry bound read-only on it, so
            // that rmdir of a mount point (dpkg removing "/opt") fails with EBUSY, which dpkg
            // tolerates, rather than with EROFS.
            a.addAll(topLevelBinds());
        } else {
            a.addAll(List.of("--ro-bind", "/", "/"));
        }
        a.addAll(List.of("--dev", "/dev", "--proc", "/proc"));
        if (diskLimitBytes > 0) {
            a.addAll(List.of("--size", Long.toString(diskLimitBytes)));
        }
        a.addAll(List.of("--tmpfs", "/tmp"));
        for (Path p : readOnlyBinds) {
            String s = p.toAbsolutePath().normalize().toString();
            a.addAll(List.of("--ro-bind", s, s));
        }
        a.addAll(List.of("--bind", workspace.toString(), workspace.toString()));
        for (Path p : writableBinds) {
            String s = p.toAbsolutePath().normalize().toString();
            a.addAll(List.of("--bind", s, s));
        }
        if (privileged) {
            a.addAll(List.of("--uid", "0", "--gid", "0"));
        } else {
            a.addAll(List.of("--uid", Integer.toString(SANDBOX_UID), "--gid", Integer.toString(SANDBOX_UID)));
        }
        a.addAll(List.of("--chdir", workDir.toString(), "--"));
        return a;
    }

    private static List<String> topLevelBinds() {
        List<String> a = new ArrayList<>();
        List<Path> entries;
        try (var s = Files.list(Path.of("/"))) {
            entries = s.sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list /", e);
        }
        for (Path e : entries) {
            String name = e.getFileName().toString();
            if (name.equals("proc") || name.equals("dev") || name.equals("tmp")) {
                continue;
            }
            if (Files.isSymbolicLink(e)) {
                try {
                    a.addAll(List.of("--symlink", Files.readSymbolicLink(e).toString(), e.toString()));
                } catch (IOException ex) {
                    // vanished: skip
                }
            } else {
                a.addAll(List.of("--ro-bind-try", e.toString(), e.toString()));
            }
        }
        return a;
    }

    /** "5 s", "3 min", "2 h", "500 ms". */
    static String describe(Duration d) {
        long ms = d.toMillis();
        if (ms % 1000 != 0) {
            return ms + " ms";
        }
        long s = ms / 1000;
        if (s >= 3600 && s % 3600 == 0) {
            return s / 3600 + " h";
        }
        if (s >= 60 && s % 60 == 0) {
            return s / 60 + " min";
        }
        return s + " s";
    }

    /** "10 MB", "2 GiB", "1234 bytes". */
    static String describeBytes(long n) {
        String[][] units = {{"1099511627776", "TiB"}, {"1000000000000", "TB"}, {"1073741824", "GiB"},
            {"1000000000", "GB"}, {"1048576", "MiB"}, {"1000000", "MB"}, {"1024", "KiB"}, {"1000", "kB"}};
        for (String[] u : units) {
            long size = Long.parseLong(u[0]);
            if (n >= size && n % size == 0) {
                return n / size + " " + u[1];
            }
        }
        return n + " bytes";
    }

    /** Sum of the sizes of the regular files under {@code dir}; files vanishing meanwhile are skipped. */
    static long sizeOf(Path dir) {
        long[] total = {0};
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                    if (attrs.isRegularFile()) {
                        total[0] += attrs.size();
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException exc) {
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException exc) {
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            // the walk itself failed (workspace gone): count what was seen
        }
        return total[0];
    }

    private static final AtomicInteger THREADS = new AtomicInteger();

    /** One running command. */
    private final class Running implements SandboxRun {
        private final Process process;
        private final long startNanos = System.nanoTime();
        private final Set<ProcessHandle> seen = new LinkedHashSet<>();
        private final AtomicBoolean killing = new AtomicBoolean();
        private final Object awaitLock = new Object();
        private final CountDownLatch outputDone = new CountDownLatch(1);
        private final ScheduledExecutorService watcher;
        private final Thread reader;
        private volatile String limitExceeded;
        private volatile boolean cancelled;
        private volatile long endNanos;
        private volatile SandboxResult result;

        Running(Process process, Consumer<String> logLine) {
            this.process = process;
            int n = THREADS.incrementAndGet();
            this.reader = Thread.ofPlatform().daemon().name("sandbox-output-" + n).start(() -> pump(logLine));
            this.watcher = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().daemon()
                    .name("sandbox-watch-" + n).unstarted(r));
            if (timeLimit != null) {
                watcher.schedule(() -> stop("time limit of " + describe(timeLimit)),
                        timeLimit.toNanos(), TimeUnit.NANOSECONDS);
            }
            if (diskLimitBytes > 0) {
                watcher.scheduleWithFixedDelay(() -> {
                    if (process.isAlive() && sizeOf(workspace) > diskLimitBytes) {
                        stop("disk limit of " + describeBytes(diskLimitBytes));
                    }
                }, 1, 1, TimeUnit.SECONDS);
            }
            process.onExit().thenRun(() -> endNanos = System.nanoTime());
        }

        private void pump(Consumer<String> logLine) {
            try (InputStream in = process.getInputStream()) {
                ByteArrayOutputStream line = new ByteArrayOutputStream();
                byte[] buf = new byte[8192];
                int n;
                while ((n = in.read(buf)) >= 0) {
                    for (int i = 0; i < n; i++) {
                        byte b = buf[i];
                        if (b == '\n' || line.size() >= 16384) {
                            emit(logLine, line);
                            if (b == '\n') {
                                continue;
                            }
                        }
                        line.write(b);
                    }
                }
                if (line.size() > 0) {
                    emit(logLine, line);
                }
            } catch (IOException e) {
                // stream closed under us (await gave up waiting): nothing more to deliver
            } finally {
                outputDone.countDown();
            }
        }

        private void emit(Consumer<String> logLine, ByteArrayOutputStream line) {
            String s = line.toString(StandardCharsets.UTF_8);
            line.reset();
            if (s.endsWith("\r")) {
                s = s.substring(0, s.length() - 1);
            }
            try {
                logLine.accept(s);
            } catch (RuntimeException e) {
                // a failing log sink must not stop the pump (the process would block on a full pipe)
            }
        }

        private void stop(String limit) {
            if (limit != null && limitExceeded == null && process.isAlive()) {
                limitExceeded = limit;
            }
            if (!killing.compareAndSet(false, true)) {
                return;
            }
            Thread.ofPlatform().daemon().name("sandbox-kill").start(this::killTree);
        }

        /** SIGTERM to the whole tree, SIGKILL to what is left after the grace period. */
        private void killTree() {
            collect();
            signalAll(false);
            long deadline = System.nanoTime() + killGrace.toNanos();
            while (System.nanoTime() < deadline && anyAlive()) {
                collect();
                sleep(50);
            }
            for (int round = 0; round < 50 && anyAlive(); round++) {
                collect();
                signalAll(true);
                sleep(20);
            }
        }

        private void collect() {
            synchronized (seen) {
                collectLocked();
            }
        }

        private void collectLocked() {
            ProcessHandle root = process.toHandle();
            if (root.isAlive()) {
                seen.add(root);
            }
            for (ProcessHandle h : List.copyOf(seen)) {
                h.descendants().forEach(seen::add);
            }
            root.descendants().forEach(seen::add);
        }

        private boolean anyAlive() {
            synchronized (seen) {
                seen.removeIf(h -> !h.isAlive());
                return !seen.isEmpty() || process.isAlive();
            }
        }

        private void signalAll(boolean forcibly) {
            synchronized (seen) {
                seen.forEach(forcibly ? ProcessHandle::destroyForcibly : ProcessHandle::destroy);
            }
        }

        private static void sleep(long ms) {
            try {
                Thread.sleep(ms);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public void cancel() {
            if (!process.isAlive()) {
                return;
            }
            cancelled = true;
            stop(null);
        }

        @Override
        public SandboxResult await() throws InterruptedException {
            synchronized (awaitLock) {
                return awaitLocked();
            }
        }

        private SandboxResult awaitLocked() throws InterruptedException {
            if (result != null) {
                return result;
            }
            int code = process.waitFor();
            long end = endNanos != 0 ? endNanos : System.nanoTime();
            watcher.shutdownNow();
            if (!outputDone.await(10, TimeUnit.SECONDS)) {
                // something that escaped the tree still holds the pipe open: stop reading
                try {
                    process.getInputStream().close();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                outputDone.await(5, TimeUnit.SECONDS);
            }
            result = new SandboxResult(code, Optional.ofNullable(limitExceeded), cancelled && limitExceeded == null,
                    Duration.ofNanos(end - startNanos));
            return result;
        }

        @Override
        public boolean finished() {
            return !process.isAlive();
        }
    }

    /** Whether bwrap works here, probed once per bwrap path. */
    record BwrapProbe(boolean works, boolean disableUserns, String problem) {
        private static final Map<String, BwrapProbe> CACHE = new LinkedHashMap<>();

        static synchronized BwrapProbe of(String bwrap) {
            return CACHE.computeIfAbsent(bwrap, BwrapProbe::probe);
        }

        private static BwrapProbe probe(String bwrap) {
            List<String> base = List.of(bwrap, "--unshare-all", "--unshare-user", "--share-net", "--die-with-parent",
                    "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc");
            String out = tryRun(concat(base, List.of("--", "true")));
            if (out != null) {
                return new BwrapProbe(false, false, out);
            }
            boolean disable = tryRun(concat(base, List.of("--disable-userns", "--", "true"))) == null;
            return new BwrapProbe(true, disable, "");
        }

        private static List<String> concat(List<String> a, List<String> b) {
            List<String> l = new ArrayList<>(a);
            l.addAll(b);
            return l;
        }

        /** Null when the command exited 0, else what went wrong. */
        private static String tryRun(List<String> argv) {
            try {
                Process p = new ProcessBuilder(argv).redirectErrorStream(true)
                        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
                byte[] out;
                try (InputStream in = p.getInputStream()) {
                    out = in.readNBytes(4096);
                }
                if (!p.waitFor(20, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    return "bwrap did not finish within 20 s";
                }
                if (p.exitValue() != 0) {
                    return "bwrap exited " + p.exitValue() + ": " + new String(out, StandardCharsets.UTF_8).strip();
                }
                return null;
            } catch (IOException e) {
                return "cannot run " + argv.get(0) + ": " + e.getMessage();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return "interrupted";
            }
        }
    }

    /** Settings of a {@link Sandbox}. */
    public static final class Builder {
        private Path workspace;
        private Duration timeLimit;
        private long diskLimitBytes;
        private Isolation isolation = Isolation.AUTO;
        private final Map<String, String> env = new LinkedHashMap<>();
        private final List<Path> readOnlyBinds = new ArrayList<>();
        private final List<Path> writableBinds = new ArrayList<>();
        private Duration killGrace = Duration.ofSeconds(3);
        private String bwrap = "bwrap";

        private Builder() {
        }

        /** The directory the command may write; HOME and TMPDIR live in it. */
        public Builder workspace(Path workspace) {
            this.workspace = workspace;
            return this;
        }

        /** Wall-clock limit; null for none. */
        public Builder timeLimit(Duration timeLimit) {
            if (timeLimit != null && (timeLimit.isNegative() || timeLimit.isZero())) {
                throw new IllegalArgumentException("time limit must be positive: " + timeLimit);
            }
            this.timeLimit = timeLimit;
            return this;
        }

        /** Limit of the workspace's total file size; 0 for none. */
        public Builder diskLimitBytes(long diskLimitBytes) {
            if (diskLimitBytes < 0) {
                throw new IllegalArgumentException("disk limit must not be negative: " + diskLimitBytes);
            }
            this.diskLimitBytes = diskLimitBytes;
            return this;
        }

        public Builder isolation(Isolation isolation) {
            this.isolation = Objects.requireNonNull(isolation, "isolation");
            return this;
        }

        /** Variables added to the command's environment (they override PATH, HOME, ... when named). */
        public Builder env(Map<String, String> env) {
            this.env.putAll(env);
            return this;
        }

        /** Host paths the sandbox sees read-only (already the case for everything under bubblewrap; useful for paths below a writable bind). */
        public Builder readOnlyBinds(Collection<Path> paths) {
            this.readOnlyBinds.addAll(paths);
            return this;
        }

        /** Host paths outside the workspace the command may write (e.g. a shared download cache). */
        public Builder writableBinds(Collection<Path> paths) {
            this.writableBinds.addAll(paths);
            return this;
        }

        /** Time between SIGTERM and SIGKILL when a run is stopped (default 3 s). */
        public Builder killGrace(Duration killGrace) {
            this.killGrace = Objects.requireNonNull(killGrace, "killGrace");
            return this;
        }

        /** The bwrap executable (default {@code bwrap} on PATH). */
        public Builder bwrapExecutable(String bwrap) {
            this.bwrap = Objects.requireNonNull(bwrap, "bwrap");
            return this;
        }

        public Sandbox build() {
            return new Sandbox(this);
        }
    }
}

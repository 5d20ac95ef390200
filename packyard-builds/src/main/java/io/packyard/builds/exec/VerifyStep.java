package io.packyard.builds.exec;

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
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The verify step: installs a built package somewhere it cannot harm the worker, runs the
 * project's smoke command against the installed files, and uninstalls it again.
 *
 * <h2>.deb</h2>
 * The real {@code dpkg} installs the package, as root, in a {@linkplain Sandbox bubblewrap
 * sandbox} whose view of the host is read-only except for copy-on-write layers: {@code /usr},
 * {@code /etc}, {@code /opt}, {@code /var}, {@code /srv} and {@code /home} are each covered by an
 * overlayfs whose lower layer is the host directory and whose upper layer lives in the workspace
 * ({@code <workspace>/verify-N/upper/<dir>}). dpkg therefore reads the host's package database
 * (dependencies are checked against what the worker has installed) and writes its changes, the
 * package's files and whatever the maintainer scripts do into the upper layers only: the host's
 * files and dpkg database are never modified. The package's files appear at their real absolute
 * paths ({@code /opt/<company>/<product>/...}, {@code /usr/bin/<command>}), its maintainer
 * scripts really run (a failing {@code postinst} fails the step, {@code prerm}/{@code postrm}
 * run on removal), and the smoke command sees the system exactly as an installed package would.
 * Each phase (install, smoke, purge) is one sandbox run that mounts the same layers again.
 *
 * <p>Privileges: no user namespace is used for these runs (so files may belong to any account,
 * as {@code adduser --system} needs), but the sandbox keeps only CHOWN, DAC_OVERRIDE,
 * DAC_READ_SEARCH, FOWNER, FSETID, SETUID, SETGID and KILL once the overlays are mounted; it has
 * its own pid, ipc, uts and mount namespaces and cannot mount, remount or unmount anything.
 * The sandbox's root directory itself is bubblewrap's own tmpfs with every top-level host entry
 * bound read-only on it (so that dpkg's attempt to remove {@code /opt} meets a busy mount point,
 * which it tolerates); a new top-level entry a maintainer script creates lands in that throwaway
 * tmpfs and is not reported. Services are not started: no init system runs in the sandbox. The
 * network is shared.
 *
 * <p>After {@code dpkg --purge}, every path in the upper layers of {@code /usr}, {@code /opt},
 * {@code /etc} and {@code /srv} that does not exist on the host is reported as left behind
 * (a failure). Changes to files the host already has (for example {@code /etc/passwd} when a
 * service account is created, which Debian keeps on purge on purpose) and anything under
 * {@code /var} and {@code /home} (state, logs, account homes) are not.
 *
 * <p>The workspace must not lie inside one of the overlaid directories (e.g. under {@code /var}):
 * overlayfs refuses an upper layer inside its own lower layer.
 *
 * <h2>.tar.gz</h2>
 * The portable archive is extracted into the workspace inside the sandbox and the smoke command
 * runs with the archive's {@code bin/} first on PATH.
 *
 * <p>Failures are {@link StepFailure.Kind#BUILD} with a one-line message; the log has the details.
 * A missing tool or a sandbox that cannot start is {@link StepFailure.Kind#INFRA}.
 */
public final class VerifyStep {

    /** Top-level directories covered by a copy-on-write layer during a .deb verification. */
    static final List<String> OVERLAID = List.of("usr", "etc", "opt", "var", "srv", "home");

    /** Directories whose new paths after purge count as left behind. */
    private static final List<String> CHECKED = List.of("usr", "opt", "etc", "srv");

    /** Files dpkg and the account tools write as a side effect, never the package's own. */
    private static final Set<String> SIDE_EFFECTS = Set.of("/etc/ld.so.cache", "/etc/passwd-", "/etc/group-",
            "/etc/shadow-", "/etc/gshadow-", "/etc/subuid-", "/etc/subgid-", "/etc/.pwd.lock");

    private static final String SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    private VerifyStep() {
    }

    /** Verifies {@code artifact} (a .deb or a portable .tar.gz) with {@code smokeCommand}, a shell command line. */
    public static void run(Path artifact, String smokeCommand, Sandbox sandbox, Consumer<String> log)
            throws StepFailure {
        String name = artifact.getFileName().toString();
        if (!Files.isRegularFile(artifact)) {
            throw StepFailure.infra("cannot verify " + name + ": no such file " + artifact);
        }
        if (smokeCommand == null || smokeCommand.isBlank()) {
            throw StepFailure.build("cannot verify " + name + ": no smoke command");
        }
        String lower = name.toLowerCase(Locale.ROOT);
        if (lower.endsWith(".deb")) {
            verifyDeb(artifact, smokeCommand, sandbox, log);
        } else if (lower.endsWith(".tar.gz") || lower.endsWith(".tgz")) {
            verifyTarball(artifact, smokeCommand, sandbox, log);
        } else {
            throw StepFailure.build("cannot verify " + name + ": only .deb packages and .tar.gz portable archives can be verified");
        }
    }

    // ---------------------------------------------------------------------------------------- deb

    private static void verifyDeb(Path artifact, String smoke, Sandbox sandbox, Consumer<String> log)
            throws StepFailure {
        String name = artifact.getFileName().toString();
        if (!sandbox.isolated()) {
            throw StepFailure.infra("cannot verify " + name + ": installing a .deb safely needs bubblewrap, and this sandbox has isolation "
                    + sandbox.isolation());
        }
        Path ws = sandbox.workspace();
        for (String d : OVERLAID) {
            if (ws.startsWith(Path.of("/", d))) {
                throw StepFailure.infra("cannot verify " + name + ": the workspace " + ws + " is under /" + d
                        + ", which the verification overlays; use a workspace elsewhere");
            }
        }
        String pkg = debField(artifact, "Package");
        Path dir;
        Path deb;
        List<String> layers = new ArrayList<>();
        try {
            dir = Files.createTempDirectory(Files.createDirectories(ws), "verify-");
            deb = dir.resolve("package.deb");
            Files.copy(artifact, deb, StandardCopyOption.REPLACE_EXISTING);
            for (String d : OVERLAID) {
                Path host = Path.of("/", d);
                if (Files.isDirectory(host, LinkOption.NOFOLLOW_LINKS)) {
                    Files.createDirectories(dir.resolve("upper").resolve(d));
                    Files.createDirectories(dir.resolve("work").resolve(d));
                    layers.add(d);
                }
            }
            Files.createDirectories(dir.resolve("smoke"));
        } catch (IOException e) {
            throw StepFailure.infra("cannot prepare the verification of " + name + ": " + e.getMessage(), e);
        }
        StringBuilder setup = new StringBuilder("set -e\n");
        for (String d : layers) {
            setup.append("mount -t overlay packyard-verify -o ")
                    .append(shellQuote("lowerdir=/" + d + ",upperdir=" + dir.resolve("upper").resolve(d)
                            + ",workdir=" + dir.resolve("work").resolve(d)))
                    .append(" /").append(d).append('\n');
        }
        Map<String, String> env = Map.of("PATH", SYSTEM_PATH, "DEBIAN_FRONTEND", "noninteractive");
        Sandbox root = sandbox.toBuilder().env(env).build();

        log.accept("==> installing " + name + " (" + pkg + ") with dpkg in a copy-on-write view of the host");
        Phase install = privileged(root, setup.toString(), List.of("dpkg", "--install", deb.toString()), dir, log);
        install.failIfLimited("installing " + name);
        if (install.code != 0) {
            throw StepFailure.build("installing " + name + " failed (dpkg exit " + install.code + "): " + install.lastLine());
        }

        log.accept("==> smoke test: " + smoke);
        Phase test = privileged(root, setup.toString(), List.of("/bin/sh", "-c", smoke), dir.resolve("smoke"), log);
        test.failIfLimited("the smoke command `" + smoke + "`");
        if (test.code != 0) {
            throw StepFailure.build("smoke command `" + smoke + "` failed (exit " + test.code + ")");
        }

        log.accept("==> removing " + pkg);
        Phase purge = privileged(root, setup.toString(), List.of("dpkg", "--purge", pkg), dir, log);
        purge.failIfLimited("removing " + pkg);
        if (purge.code != 0) {
            throw StepFailure.build("uninstalling " + pkg + " failed (dpkg exit " + purge.code + "): " + purge.lastLine());
        }

        List<String> left = leftovers(dir.resolve("upper"), log);
        if (!left.isEmpty()) {
            left.forEach(p -> log.accept("left behind: " + p));
            throw StepFailure.build("uninstall left " + left.get(0) + " behind"
                    + (left.size() > 1 ? " (and " + (left.size() - 1) + " more)" : ""));
        }
        log.accept("==> " + name + ": installed, smoke command passed, removed cleanly");
    }

    /** New paths (not on the host) in the checked upper layers, topmost only, sorted. */
    static List<String> leftovers(Path upper, Consumer<String> log) throws StepFailure {
        List<String> left = new ArrayList<>();
        for (String d : CHECKED) {
            Path top = upper.resolve(d);
            if (!Files.isDirectory(top)) {
                continue;
            }
            try {
                Files.walkFileTree(top, new SimpleFileVisitor<>() {
                    @Override
                    public FileVisitResult preVisitDirectory(Path p, BasicFileAttributes attrs) {
                        return visit(p, attrs) ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
                    }

                    @Override
                    public FileVisitResult visitFile(Path p, BasicFileAttributes attrs) {
                        visit(p, attrs);
                        return FileVisitResult.CONTINUE;
                    }

                    /** True when p is a new path (recorded). */
                    private boolean visit(Path p, BasicFileAttributes attrs) {
                        String hostPath = "/" + upper.relativize(p).toString();
                        if (p.equals(top)) {
                            return false;
                        }
                        if (attrs.isOther()) {
                            // an overlayfs whiteout: the package removed a file of the host
                            log.accept("note: removed from the host view: " + hostPath);
                            return false;
                        }
                        if (Files.exists(Path.of(hostPath), LinkOption.NOFOLLOW_LINKS) || SIDE_EFFECTS.contains(hostPath)) {
                            return false;
                        }
                        left.add(hostPath);
                        return true;
                    }
                });
            } catch (IOException e) {
                throw StepFailure.infra("cannot inspect " + top + ": " + e.getMessage(), e);
            }
        }
        left.sort(null);
        return left;
    }

    private static String debField(Path deb, String field) throws StepFailure {
        String name = deb.getFileName().toString();
        try {
            Process p = new ProcessBuilder("dpkg-deb", "--field", deb.toString(), field)
                    .redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw StepFailure.infra("dpkg-deb --field " + name + " did not finish");
            }
            if (p.exitValue() != 0) {
                throw StepFailure.build("cannot verify " + name + ": not a valid .deb: "
                        + out.lines().reduce((a, b) -> b).orElse("dpkg-deb exit " + p.exitValue()));
            }
            if (out.isEmpty()) {
                throw StepFailure.build("cannot verify " + name + ": no " + field + " field in its control file");
            }
            return out;
        } catch (IOException e) {
            throw StepFailure.infra("cannot run dpkg-deb: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw StepFailure.infra("interrupted", e);
        }
    }

    // ------------------------------------------------------------------------------------- tar.gz

    private static void verifyTarball(Path artifact, String smoke, Sandbox sandbox, Consumer<String> log)
            throws StepFailure {
        String name = artifact.getFileName().toString();
        Path dir;
        Path tree;
        try {
            dir = Files.createTempDirectory(Files.createDirectories(sandbox.workspace()), "verify-");
            tree = Files.createDirectories(dir.resolve("tree"));
            Files.copy(artifact, dir.resolve("package.tar.gz"));
        } catch (IOException e) {
            throw StepFailure.infra("cannot prepare the verification of " + name + ": " + e.getMessage(), e);
        }
        log.accept("==> extracting " + name);
        Phase x = plain(sandbox, List.of("tar", "-xzf", dir.resolve("package.tar.gz").toString(), "-C", tree.toString(),
                "--no-same-owner"), dir, log);
        x.failIfLimited("extracting " + name);
        if (x.code != 0) {
            throw StepFailure.build("cannot verify " + name + ": tar could not extract it (exit " + x.code + "): " + x.lastLine());
        }
        Path top = tree;
        try (Stream<Path> s = Files.list(tree)) {
            List<Path> entries = s.toList();
            if (entries.size() == 1 && Files.isDirectory(entries.get(0), LinkOption.NOFOLLOW_LINKS)) {
                top = entries.get(0);
            }
        } catch (IOException e) {
            throw StepFailure.infra("cannot list " + tree + ": " + e.getMessage(), e);
        }
        Path bin = top.resolve("bin");
        if (!Files.isDirectory(bin, LinkOption.NOFOLLOW_LINKS)) {
            throw StepFailure.build("cannot verify " + name + ": the archive has no bin/ directory");
        }
        Sandbox withPath = sandbox.toBuilder()
                .env(Map.of("PATH", bin + ":" + sandbox.environment().get("PATH"))).build();
        log.accept("==> smoke test: " + smoke);
        Phase test = plain(withPath, List.of("/bin/sh", "-c", smoke), dir, log);
        test.failIfLimited("the smoke command `" + smoke + "`");
        if (test.code != 0) {
            throw StepFailure.build("smoke command `" + smoke + "` failed (exit " + test.code + ")");
        }
        log.accept("==> " + name + ": extracted, smoke command passed");
    }

    // ------------------------------------------------------------------------------------ helpers

    /** The end of one sandbox run. */
    private record Phase(int code, SandboxResult result, AtomicReference<String> last) {
        String lastLine() {
            String l = last.get();
            return l == null ? "no output" : l;
        }

        void failIfLimited(String what) throws StepFailure {
            if (result.limitExceeded().isPresent()) {
                throw StepFailure.build(what + " exceeded the " + result.limitExceeded().get());
            }
            if (result.cancelled()) {
                throw StepFailure.infra(what + " was cancelled");
            }
        }
    }

    private static Phase privileged(Sandbox sandbox, String setup, List<String> cmd, Path workDir,
            Consumer<String> log) throws StepFailure {
        AtomicReference<String> last = new AtomicReference<>();
        try {
            SandboxResult r = sandbox.startPrivileged(setup, cmd, workDir, tee(log, last)).await();
            return new Phase(r.exitCode(), r, last);
        } catch (IOException e) {
            throw StepFailure.infra("cannot start the verification sandbox: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw StepFailure.infra("interrupted while verifying", e);
        }
    }

    private static Phase plain(Sandbox sandbox, List<String> cmd, Path workDir, Consumer<String> log)
            throws StepFailure {
        AtomicReference<String> last = new AtomicReference<>();
        try {
            SandboxResult r = sandbox.run(cmd, workDir, tee(log, last));
            return new Phase(r.exitCode(), r, last);
        } catch (IOException e) {
            throw StepFailure.infra("cannot start the verification sandbox: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw StepFailure.infra("interrupted while verifying", e);
        }
    }

    private static Consumer<String> tee(Consumer<String> log, AtomicReference<String> last) {
        return line -> {
            log.accept(line);
            if (!line.isBlank()) {
                last.set(line.strip());
            }
        };
    }

    static String shellQuote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }
}

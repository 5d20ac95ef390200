package io.packyard.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Binaries committed next to the C source they are built from ({@code launcher/},
 * {@code onefile/}): each such directory has a {@code check.sh} (sourcing
 * {@code scripts/committed-binaries.sh}) that rebuilds them and compares byte for byte. Runs
 * check.sh, and proves it catches a committed binary that differs.
 */
public final class CommittedBinaries {

    /** The library check.sh and build.sh source, relative to the repository root. */
    public static final String LIBRARY = "scripts/committed-binaries.sh";

    /** The exit status and the combined output of a check.sh run. */
    public record Run(int exit, String output) {}

    private CommittedBinaries() {}

    /** The repository root (surefire runs in the module directory), which must hold {@code dir/check.sh}. */
    public static Path repository(String dir) {
        Path root = Path.of("").toAbsolutePath().getParent();
        assertThat(root.resolve(dir).resolve("check.sh")).as(dir + "/check.sh in the repository").isRegularFile();
        return root;
    }

    /** Runs {@code sh script} with no input, within 5 minutes. */
    public static Run sh(Path script) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("sh", script.toString()).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
        return new Run(p.exitValue(), out);
    }

    /** Runs the repository's {@code dir/check.sh} and asserts that it passes, saying {@code success}. */
    public static void assertCommittedMatch(String dir, String success) throws IOException, InterruptedException {
        Run r = sh(repository(dir).resolve(dir).resolve("check.sh"));
        assertThat(r.exit()).as(r.output()).isZero();
        assertThat(r.output()).contains(success);
    }

    /**
     * Copies {@code dir} (its files), the library and the committed {@code binaries} (in
     * {@code resources}, relative to the repository root) into {@code tmp}, flips a byte in the
     * middle of {@code broken}, runs the copy's check.sh and asserts that it fails naming
     * {@code broken} and no other binary, and leaves the committed file as it was.
     */
    public static void assertCheckCatches(Path tmp, String dir, String resources, List<String> binaries, String broken)
            throws IOException, InterruptedException {
        Path root = repository(dir);
        Path copy = Files.createDirectories(tmp.resolve(dir));
        try (Stream<Path> files = Files.list(root.resolve(dir))) {
            for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                Files.copy(f, copy.resolve(f.getFileName()));
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        Files.createDirectories(tmp.resolve(LIBRARY).getParent());
        Files.copy(root.resolve(LIBRARY), tmp.resolve(LIBRARY));
        Path committed = Files.createDirectories(tmp.resolve(resources));
        for (String b : binaries) {
            Files.copy(root.resolve(resources).resolve(b), committed.resolve(b));
        }
        Path changed = committed.resolve(broken);
        byte[] bytes = Files.readAllBytes(changed);
        bytes[bytes.length / 2] ^= 1;
        Files.write(changed, bytes);

        Run r = sh(copy.resolve("check.sh"));

        assertThat(r.exit()).as(r.output()).isNotZero();
        assertThat(r.output()).contains("MISMATCH " + broken);
        for (String b : binaries) {
            if (!b.equals(broken)) {
                assertThat(r.output()).doesNotContain("MISMATCH " + b);
            }
        }
        assertThat(Files.readAllBytes(changed)).as("check.sh changes nothing").isEqualTo(bytes);
    }
}

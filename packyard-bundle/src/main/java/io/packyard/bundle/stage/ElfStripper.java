package io.packyard.bundle.stage;

import io.packyard.bundle.interpreter.ElfFile;
import io.packyard.python.PackyardException;
import io.packyard.python.util.Executables;
import io.packyard.python.util.Progress;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Removes symbol tables and debug information from the ELF files of a staged bundle, as
 * Debian's dh_strip does: {@code strip --strip-unneeded --remove-section=.comment
 * --remove-section=.note}. A host CPython built from source carries ~20 MB of symbols in
 * libpython alone; stripping makes packages smaller and faster to compress and to install.
 *
 * <p>Uses GNU binutils' {@code strip} from PATH (stripping is deterministic, so reproducibility
 * holds). Without it, or for files of another architecture than the build machine's strip
 * handles, the files stay as they are and a warning says so.
 */
public final class ElfStripper {
    private static final int BATCH = 200;

    private final Progress progress;
    private final Optional<Path> strip;

    public ElfStripper(Progress progress) {
        this(progress, Executables.onPath("strip"));
    }

    ElfStripper(Progress progress, Optional<Path> strip) {
        this.progress = progress;
        this.strip = strip;
    }

    /** Strips every ELF file under {@code root}; returns how many were processed. */
    public int stripAll(Path root) {
        List<Path> elves = new ArrayList<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).sorted().toList()) {
                if (ElfFile.isElf(p) && unstripped(p)) {
                    elves.add(p);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (elves.isEmpty()) {
            return 0;
        }
        if (strip.isEmpty()) {
            progress.warn(elves.size() + " ELF files keep their symbols: no 'strip' on PATH (install binutils)");
            return 0;
        }
        progress.step("Stripping symbols from " + elves.size() + " ELF files");
        int done = 0;
        for (int i = 0; i < elves.size(); i += BATCH) {
            List<Path> batch = elves.subList(i, Math.min(elves.size(), i + BATCH));
            run(batch);
            done += batch.size();
            progress.advance(done, elves.size());
        }
        return done;
    }

    /** Has a symbol table (.symtab) or debug sections, judged by binutils' own view. */
    private static boolean unstripped(Path p) throws IOException {
        // ElfFile reads the dynamic section only; a cheap byte search for section names is enough
        // to skip files that are already stripped (most wheels), which saves a process per file.
        byte[] b = Files.readAllBytes(p);
        return indexOf(b, ".symtab".getBytes(StandardCharsets.US_ASCII)) >= 0
                || indexOf(b, ".debug_".getBytes(StandardCharsets.US_ASCII)) >= 0;
    }

    private void run(List<Path> files) {
        List<String> cmd = new ArrayList<>(List.of(strip.get().toString(), "--strip-unneeded",
                "--remove-section=.comment", "--remove-section=.note", "--preserve-dates"));
        files.forEach(f -> cmd.add(f.toString()));
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int rc = p.waitFor();
            if (rc != 0) {
                // typically "file format not recognized" for another architecture: keep the files
                progress.warn("strip failed on some files (kept unstripped): "
                        + out.lines().findFirst().orElse("exit " + rc));
            }
        } catch (IOException e) {
            throw PackyardException.build("running strip failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw PackyardException.build("interrupted while stripping");
        }
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}

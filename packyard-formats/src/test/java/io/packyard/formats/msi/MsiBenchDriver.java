package io.packyard.formats.msi;

import io.packyard.bundle.Bundle;
import io.packyard.bundle.BundleMetadata;
import io.packyard.bundle.Target;
import io.packyard.bundle.WindowsOptions;
import io.packyard.python.util.Progress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * The Packyard side of bench/msi-vs-wixl.sh: packages a plain directory tree as an .msi with
 * {@link MsiFormat}, exactly as a build does once the application is staged (the tree is the
 * staged bundle: every file under {@code [ProgramFiles64Folder]<company>\<product>}, the
 * installer dialogs, the Add/Remove Programs registration). Not a test; run with
 * {@code java -cp <test classes>:<classes>:<dependencies> io.packyard.formats.msi.MsiBenchDriver TREE OUT.msi}.
 *
 * <p>Writes to a temporary name next to OUT and renames it, like the build pipeline. Prints one
 * line to stderr: files, bytes, and the time spent scanning the tree and writing the package
 * (the JVM's start-up is outside both). SOURCE_DATE_EPOCH (default 1700000000) fixes every time
 * stamp, so two runs give the same bytes.
 */
public final class MsiBenchDriver {

    private MsiBenchDriver() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: MsiBenchDriver TREE OUT.msi");
            System.exit(2);
        }
        Path tree = Path.of(args[0]).toAbsolutePath().normalize();
        Path out = Path.of(args[1]).toAbsolutePath().normalize();
        long epoch = Long.parseLong(System.getenv().getOrDefault("SOURCE_DATE_EPOCH", "1700000000"));
        long t0 = System.nanoTime();
        BundleMetadata metadata = new BundleMetadata("bench-tree", "1.0", "MSI benchmark payload",
                "A generated tree of files packaged for the MSI benchmark.", "https://example.org/packyard-bench", "MIT",
                "Packyard Bench <bench@example.org>", "Packyard Bench", "Bench Tree", Target.WINDOWS_X64, "3.12", false,
                List.of(), null, null, List.of(), List.of(), WindowsOptions.defaults());
        Bundle bundle = Bundle.builder().metadata(metadata).root(tree).sourceDateEpoch(epoch).build();
        long t1 = System.nanoTime();
        Files.createDirectories(out.getParent());
        Path tmp = out.resolveSibling("." + out.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        new MsiFormat().write(bundle, tmp, Progress.NONE);
        Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        long t2 = System.nanoTime();
        long files = bundle.entries().stream().filter(e -> e.isFile()).count();
        System.err.printf("packyard msi: %d files, %d bytes; scan %.2f s, write %.2f s; %s (%d bytes)%n", files,
                bundle.installedSize(), (t1 - t0) / 1e9, (t2 - t1) / 1e9, out, Files.size(out));
    }
}

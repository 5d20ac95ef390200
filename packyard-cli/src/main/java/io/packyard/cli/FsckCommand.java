package io.packyard.cli;

import io.packyard.repository.Fsck;
import io.packyard.repository.Repository;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code packyard fsck}: do the blob store and the database agree? */
@Command(
        name = "fsck",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        usageHelpAutoWidth = true,
        description = {
            "Check that the blob store and the database agree: every file and metadata blob a row names exists "
                    + "and has the right SHA-256 and size. Blobs no row names (an upload interrupted between its "
                    + "file and its row, a deleted file) and temporary files are garbage: reported, and removed "
                    + "with --repair once older than --grace (so that uploads in flight on a running server are "
                    + "left alone). A missing or damaged blob is never repaired: restore it from a backup."
        },
        footer = {"", "Examples:",
                "  packyard fsck --data /srv/packyard",
                "  packyard fsck --data /srv/packyard --repair              # server running: keeps the last hour",
                "  packyard fsck --data /srv/packyard --repair --grace 0s   # server stopped",
                "",
                "Exit status: 0 store and database agree (garbage may remain), 1 a blob is missing or damaged, "
                        + "2 usage or configuration error."})
public final class FsckCommand implements Callable<Integer> {

    @Mixin
    RepositoryOptions repository;

    @Option(names = "--repair", description = "Remove orphan blobs and temporary files older than --grace.")
    boolean repair;

    @Option(names = "--grace", paramLabel = "DURATION", description = "Garbage younger than this is kept (default: 1h).")
    String grace;

    @Option(names = "--no-verify-hashes", description = "Check presence and sizes only (faster on big stores).")
    boolean noVerify;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        Duration g = grace == null ? Duration.ofHours(1) : Sizes.duration("--grace", grace);
        try (Repository repo = repository.open()) {
            Fsck.Report r = Fsck.run(repo, new Fsck.Options(repair, g, !noVerify));
            PrintWriter out = spec.commandLine().getOut();
            out.println("checked " + r.rowsChecked() + " blob reference(s) against " + r.blobsInStore()
                    + " stored blob(s)" + (noVerify ? " (sizes only)" : ""));
            list(out, "MISSING", r.missing());
            list(out, "DAMAGED", r.corrupt());
            list(out, "orphan blob", r.orphans().stream().map(s -> s + " (no row names it)").toList());
            list(out, "temporary file", r.tempFiles().stream().map(Path::toString).toList());
            list(out, "stray file", r.strayFiles().stream().map(Path::toString).toList());
            if (repair) {
                out.println("removed " + r.removed() + " garbage file(s)");
            } else if (!r.orphans().isEmpty() || !r.tempFiles().isEmpty()) {
                out.println("garbage is harmless; `packyard fsck --repair` removes it");
            }
            if (r.consistent()) {
                out.println("OK: store and database agree");
                return 0;
            }
            out.println("INCONSISTENT: " + r.missing().size() + " missing and " + r.corrupt().size()
                    + " damaged blob(s); restore them from a backup");
            return 1;
        }
    }

    private static void list(PrintWriter out, String what, List<String> items) {
        for (String i : items) {
            out.println(what + ": " + i);
        }
    }
}

package io.packyard.repository;

import io.packyard.repository.db.FileDao;
import io.packyard.repository.db.MirrorDao;
import io.packyard.repository.storage.BlobStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;

/**
 * Checks that the blob store and the database agree:
 * <ul>
 *   <li>every blob a row names exists, has the right SHA-256 and (for files) the right size —
 *       otherwise the repository is <b>inconsistent</b> (an acknowledged file is damaged or lost);</li>
 *   <li>blobs no row names (left by an upload interrupted between its blob and its row, or by a
 *       deleted file) and temporary files (an interrupted write) are <b>garbage</b>: harmless,
 *       reported, and removed by {@code repair} when older than the grace period (so that a
 *       running server's uploads in flight are not touched).</li>
 * </ul>
 */
public final class Fsck {

    private Fsck() {}

    /** How to run. */
    public record Options(boolean repair, Duration grace, boolean verifyHashes) {
        public static Options check() {
            return new Options(false, Duration.ofHours(1), true);
        }
    }

    /** What was found (and removed). */
    public record Report(
            int rowsChecked,
            int blobsInStore,
            List<String> missing,
            List<String> corrupt,
            List<String> orphans,
            List<Path> tempFiles,
            List<Path> strayFiles,
            int removed) {

        /** True when every row's blob is present and intact (garbage does not count). */
        public boolean consistent() {
            return missing.isEmpty() && corrupt.isEmpty();
        }

        /** True when there is nothing to report at all. */
        public boolean clean() {
            return consistent() && orphans.isEmpty() && tempFiles.isEmpty() && strayFiles.isEmpty();
        }
    }

    public static Report run(Repository repo, Options options) {
        BlobStore blobs = repo.blobs();
        List<FileDao.BlobRef> refs = repo.database().jdbi().withHandle(h -> {
            List<FileDao.BlobRef> all = new ArrayList<>(FileDao.blobRefs(h));
            all.addAll(MirrorDao.blobRefs(h));
            all.addAll(FileDao.buildBlobRefs(h));
            return all;
        });
        List<String> missing = new ArrayList<>();
        List<String> corrupt = new ArrayList<>();
        TreeMap<String, FileDao.BlobRef> bySha = new TreeMap<>();
        for (FileDao.BlobRef r : refs) {
            bySha.putIfAbsent(r.sha256(), r);
        }
        Set<String> checked = new HashSet<>();
        try {
            for (FileDao.BlobRef r : refs) {
                Path p = blobs.pathOf(r.sha256());
                if (!Files.isRegularFile(p)) {
                    missing.add(r.what() + ": blob " + r.sha256() + " is missing");
                    continue;
                }
                if (r.size() >= 0 && Files.size(p) != r.size()) {
                    corrupt.add(r.what() + ": blob " + r.sha256() + " has " + Files.size(p) + " bytes, the row says "
                            + r.size());
                    continue;
                }
                if (options.verifyHashes() && checked.add(r.sha256())) {
                    String actual = blobs.hashOf(r.sha256());
                    if (!actual.equals(r.sha256())) {
                        corrupt.add(r.what() + ": blob " + r.sha256() + " has sha256 " + actual);
                    }
                }
            }
            List<String> stored = blobs.list();
            Instant cutoff = Instant.now().minus(options.grace());
            List<String> orphans = new ArrayList<>();
            int removed = 0;
            for (String sha : stored) {
                if (!bySha.containsKey(sha)) {
                    orphans.add(sha);
                    if (options.repair() && !blobs.lastTouched(sha).isAfter(cutoff)) {
                        if (blobs.delete(sha)) {
                            removed++;
                        }
                    }
                }
            }
            List<Path> temps = blobs.tempFiles();
            List<Path> stray = blobs.strayFiles();
            if (options.repair()) {
                removed += blobs.deleteTempFilesOlderThan(options.grace());
            }
            return new Report(refs.size(), stored.size(), missing, corrupt, orphans, temps, stray, removed);
        } catch (IOException e) {
            throw new UncheckedIOException("fsck: " + e.getMessage(), e);
        }
    }
}

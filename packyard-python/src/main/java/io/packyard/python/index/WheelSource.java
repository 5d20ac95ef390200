package io.packyard.python.index;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Somewhere wheels come from: a find-links directory or page, or a PEP 503/691 index. The resolver
 * and the lock file selection take a list of sources, asked in order (find-links first, then the
 * index); a file name listed by an earlier source hides the same name from later ones.
 */
public interface WheelSource {

    /**
     * The files this source lists for a project, in the source's order; empty when it does not
     * know the project. Implementations may memoize the answer for their lifetime.
     *
     * @param projectName any spelling of the project name; sources compare normalized names
     */
    List<DistributionFile> files(String projectName);

    /**
     * A local copy of the file, its hashes verified. Files in the download cache are returned
     * without downloading again.
     *
     * @throws io.packyard.python.PackyardException when the file cannot be had or a hash does not match
     */
    Path download(DistributionFile file);

    /**
     * The file's core metadata (the wheel's {@code .dist-info/METADATA}) when this source can give
     * it without the whole file: PEP 658 metadata from an index, or a local wheel read in place.
     * Empty when the caller must download the wheel to learn it.
     */
    Optional<String> metadata(DistributionFile file);

    /** True when {@link #download} can fetch this file (its URL is one this source can reach). */
    boolean canDownload(DistributionFile file);

    /** A short description for messages, e.g. {@code index https://pypi.org/simple/} or {@code find-links wheels/}. */
    String describe();
}

package io.packyard.repository.index;

import java.time.Instant;
import java.util.Optional;

/**
 * A file uploaded to a hosted index.
 *
 * @param project         normalized project name
 * @param version         the version as uploaded (the {@code version} form field / filename)
 * @param packagetype     {@code bdist_wheel} or {@code sdist}
 * @param sha256          the content address of the file's blob
 * @param metadataSha256  the blob holding the wheel's METADATA (PEP 658), when extracted
 * @param yanked          present when yanked (PEP 592): the reason, possibly empty
 */
public record HostedFile(
        long id,
        long indexId,
        String project,
        String filename,
        String version,
        String packagetype,
        String pythonVersion,
        Optional<String> requiresPython,
        String sha256,
        String md5,
        String blake2b256,
        long size,
        Optional<String> metadataSha256,
        Instant uploadTime,
        Optional<String> yanked) {}

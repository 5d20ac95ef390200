package io.packyard.repository.index;

import java.net.URI;
import java.util.Optional;

/**
 * A file as an upstream page listed it (mirror indexes).
 *
 * @param project         normalized project name
 * @param position        order on the upstream page
 * @param upstreamUrl     where upstream serves it (absolute, without fragment)
 * @param sha256          the hash upstream advertised; checked when the file is downloaded
 * @param hasMetadata     upstream serves the core metadata separately (PEP 658/714)
 * @param metadataSha256  the metadata file's advertised sha256, when given
 */
public record MirrorFile(
        long indexId,
        String project,
        int position,
        String filename,
        URI upstreamUrl,
        String sha256,
        Optional<String> requiresPython,
        Optional<String> yanked,
        boolean hasMetadata,
        Optional<String> metadataSha256) {}

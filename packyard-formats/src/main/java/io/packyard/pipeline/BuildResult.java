package io.packyard.pipeline;

import io.packyard.bundle.BundleMetadata;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * What a build produced.
 *
 * @param metadata the staged application's metadata
 * @param packages the package files written, in the order of the requested formats
 * @param wheels the wheels installed into the bundle, as "name==version (file)" lines
 */
public record BuildResult(BundleMetadata metadata, List<Path> packages, List<String> wheels, Optional<String> pushed) {

    public BuildResult(BundleMetadata metadata, List<Path> packages, List<String> wheels) {
        this(metadata, packages, wheels, Optional.empty());
    }
}

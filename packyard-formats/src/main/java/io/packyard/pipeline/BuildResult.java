package io.packyard.pipeline;

import io.packyard.bundle.BundleMetadata;
import java.nio.file.Path;
import java.util.List;

/**
 * What a build produced.
 *
 * @param metadata the staged application's metadata
 * @param packages the package files written, in the order of the requested formats
 * @param wheels the wheels installed into the bundle, as "name==version (file)" lines
 */
public record BuildResult(BundleMetadata metadata, List<Path> packages, List<String> wheels) {}

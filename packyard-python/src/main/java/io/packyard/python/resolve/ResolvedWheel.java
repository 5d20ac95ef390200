package io.packyard.python.resolve;

import io.packyard.python.index.DistributionFile;
import io.packyard.python.names.ProjectName;
import io.packyard.python.version.Version;
import java.nio.file.Path;
import java.util.Objects;

/**
 * One pinned dependency: the wheel chosen for the target and its verified local copy.
 *
 * @param name       the project name as its metadata (or lock file) spells it
 * @param version    the pinned version
 * @param file       the chosen file as its source listed it (URL, hashes)
 * @param localWheel the wheel on disk (in the download cache, a find-links directory, or a local
 *                   build), its hash verified
 */
public record ResolvedWheel(String name, Version version, DistributionFile file, Path localWheel) {

    public ResolvedWheel {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(localWheel, "localWheel");
    }

    public String normalizedName() {
        return ProjectName.normalize(name);
    }

    @Override
    public String toString() {
        return name + " " + version + " (" + file.filename() + ")";
    }
}

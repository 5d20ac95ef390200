package io.packyard.python.lock;

import io.packyard.python.markers.Marker;
import io.packyard.python.names.ProjectName;
import io.packyard.python.version.SpecifierSet;
import io.packyard.python.version.Version;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One package of a lock: a pinned version, the environments it is for, and the files allowed.
 *
 * @param name           the project name as the lock writes it
 * @param version        the pinned version
 * @param marker         install only where this holds on the target (absent: everywhere)
 * @param requiresPython the Python versions the package supports, when the lock says
 * @param files          the allowed files: wheels with locations (pylock.toml) or bare hashes
 *                       (requirements.txt)
 * @param sdistLocked    true when the lock also names an sdist (pylock.toml), which Packyard does not use
 * @param origin         where the package is written, for messages: {@code pylock.toml:12}
 */
public record LockedPackage(String name, Version version, Optional<Marker> marker,
        Optional<SpecifierSet> requiresPython, List<LockedFile> files, boolean sdistLocked, String origin) {

    public LockedPackage {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(marker, "marker");
        Objects.requireNonNull(requiresPython, "requiresPython");
        files = List.copyOf(files);
        Objects.requireNonNull(origin, "origin");
    }

    /** The four-part form: name, version, marker and files. */
    public LockedPackage(String name, Version version, Optional<Marker> marker, List<LockedFile> files) {
        this(name, version, marker, Optional.empty(), files, false, name + "==" + version);
    }

    public String normalizedName() {
        return ProjectName.normalize(name);
    }

    @Override
    public String toString() {
        return name + "==" + version + marker.map(m -> "; " + m).orElse("");
    }
}

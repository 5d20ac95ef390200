package io.packyard.builds;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A request for a build of a project: from git (the project's repository, or another URL, at a
 * ref) or from an uploaded source archive; optionally not before a time, at a priority.
 */
public record BuildRequest(String project, Source source, String trigger, int priority, Optional<Instant> notBefore) {

    public BuildRequest {
        Objects.requireNonNull(project);
        Objects.requireNonNull(source);
        Objects.requireNonNull(trigger);
    }

    /** Where the source comes from. */
    public sealed interface Source permits Git, Archive {}

    /** A git repository at a ref; empty values mean the project's own repository and ref. */
    public record Git(Optional<String> url, Optional<String> ref) implements Source {
        public static Git projectDefault() {
            return new Git(Optional.empty(), Optional.empty());
        }

        public static Git at(String ref) {
            return new Git(Optional.empty(), Optional.of(ref));
        }
    }

    /** An uploaded .tar.gz or .zip of the project's source (the file is copied into the blob store). */
    public record Archive(String filename, Path file) implements Source {}

    public static BuildRequest of(String project, Source source) {
        return new BuildRequest(project, source, "api", 0, Optional.empty());
    }

    public BuildRequest withTrigger(String t) {
        return new BuildRequest(project, source, t, priority, notBefore);
    }

    public BuildRequest withPriority(int p) {
        return new BuildRequest(project, source, trigger, p, notBefore);
    }

    public BuildRequest notBefore(Instant when) {
        return new BuildRequest(project, source, trigger, priority, Optional.of(when));
    }
}

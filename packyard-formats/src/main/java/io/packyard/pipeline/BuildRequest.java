package io.packyard.pipeline;

import io.packyard.bundle.Target;
import io.packyard.formats.PackageFormat;
import io.packyard.python.util.Progress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything one build needs, from the command line or from the build service. Options given
 * here override the project's [tool.packyard] settings.
 */
public record BuildRequest(
        Path projectDir,
        Target target,
        List<PackageFormat> formats,
        Path outDir,
        Optional<String> python,
        List<Path> findLinks,
        Optional<String> indexUrl,
        Optional<Path> lock,
        Optional<Long> sourceDateEpoch,
        Progress progress,
        Optional<String> push) {

    public static Builder builder() {
        return new Builder();
    }

    /** Builder of a {@link BuildRequest}. */
    public static final class Builder {
        private Path projectDir = Path.of(".");
        private Target target = Target.host();
        private List<PackageFormat> formats;
        private Path outDir;
        private Optional<String> python = Optional.empty();
        private final List<Path> findLinks = new ArrayList<>();
        private Optional<String> indexUrl = Optional.empty();
        private Optional<Path> lock = Optional.empty();
        private Optional<Long> sourceDateEpoch = Optional.empty();
        private Progress progress = Progress.NONE;
        private Optional<String> push = Optional.empty();

        public Builder projectDir(Path dir) {
            this.projectDir = dir;
            return this;
        }

        public Builder target(Target target) {
            this.target = target;
            return this;
        }

        public Builder formats(List<PackageFormat> formats) {
            this.formats = List.copyOf(formats);
            return this;
        }

        public Builder outDir(Path outDir) {
            this.outDir = outDir;
            return this;
        }

        public Builder python(Optional<String> spec) {
            this.python = spec;
            return this;
        }

        public Builder findLinks(List<Path> dirs) {
            this.findLinks.addAll(dirs);
            return this;
        }

        public Builder indexUrl(Optional<String> url) {
            this.indexUrl = url;
            return this;
        }

        public Builder lock(Optional<Path> lock) {
            this.lock = lock;
            return this;
        }

        /** Overrides the SOURCE_DATE_EPOCH environment variable. */
        public Builder sourceDateEpoch(long epoch) {
            this.sourceDateEpoch = Optional.of(epoch);
            return this;
        }

        public Builder progress(Progress progress) {
            this.progress = progress;
            return this;
        }

        /** After the build, push the OCI image to this registry reference ({@code --format oci} only). */
        public Builder push(Optional<String> reference) {
            this.push = reference;
            return this;
        }

        public BuildRequest build() {
            Objects.requireNonNull(formats, "formats");
            return new BuildRequest(projectDir, target, formats,
                    outDir == null ? projectDir.resolve("dist") : outDir,
                    python, List.copyOf(findLinks), indexUrl, lock, sourceDateEpoch, progress, push);
        }
    }
}

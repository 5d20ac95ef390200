package io.packyard.python.index;

import io.packyard.python.names.ProjectName;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * An ordered list of {@link WheelSource}s seen as one: a project's files are the union of what
 * each source lists, in source order, and a file name listed by an earlier source hides the same
 * name from later ones (so a find-links directory wins over the index for the same file).
 */
public final class WheelSources {

    /** A file and the source that listed it (the one to download it from). */
    public record Sourced(DistributionFile file, WheelSource source) {
        public Path download() {
            return source.download(file);
        }
    }

    private final List<WheelSource> sources;
    private final Map<String, List<Sourced>> memo = new ConcurrentHashMap<>();

    public WheelSources(List<? extends WheelSource> sources) {
        this.sources = List.copyOf(sources);
    }

    public List<WheelSource> sources() {
        return sources;
    }

    /** The merged files of a project (memoized). */
    public List<Sourced> files(String projectName) {
        String name = ProjectName.normalize(projectName);
        return memo.computeIfAbsent(name, n -> {
            List<Sourced> out = new ArrayList<>();
            Set<String> seen = new HashSet<>();
            for (WheelSource s : sources) {
                for (DistributionFile f : s.files(n)) {
                    if (seen.add(f.filename().toLowerCase(Locale.ROOT))) {
                        out.add(new Sourced(f, s));
                    }
                }
            }
            return List.copyOf(out);
        });
    }

    /** The first source able to download a file that came from elsewhere (e.g. a lock file's URL). */
    public Optional<WheelSource> downloaderFor(DistributionFile file) {
        for (WheelSource s : sources) {
            if (s.canDownload(file)) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }

    /** The sources, for messages: {@code find-links wheels/, index https://pypi.org/simple/}. */
    public String describe() {
        return sources.isEmpty() ? "no wheel sources" : sources.stream().map(WheelSource::describe)
                .collect(Collectors.joining(", "));
    }
}

package io.packyard.python.resolve;

import io.packyard.python.names.ProjectName;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The outcome of resolving (or of selecting from a lock file): the wheels to install, sorted by
 * normalized project name, and, for a resolution, which project required which.
 *
 * @param wheels       one wheel per project, sorted by normalized name
 * @param dependencies normalized name to the normalized names of the pinned projects it requires
 *                     on the target (empty for a lock file selection)
 */
public record Resolution(List<ResolvedWheel> wheels, SortedMap<String, SortedSet<String>> dependencies) {

    public Resolution {
        wheels = wheels.stream()
                .sorted(java.util.Comparator.comparing(ResolvedWheel::normalizedName))
                .toList();
        TreeMap<String, SortedSet<String>> deps = new TreeMap<>();
        dependencies.forEach((k, v) -> deps.put(k, Collections.unmodifiableSortedSet(new TreeSet<>(v))));
        dependencies = Collections.unmodifiableSortedMap(deps);
    }

    public Resolution(List<ResolvedWheel> wheels) {
        this(wheels, new TreeMap<>());
    }

    /** The wheel pinned for a project, by any spelling of its name. */
    public Optional<ResolvedWheel> find(String projectName) {
        String n = ProjectName.normalize(projectName);
        return wheels.stream().filter(w -> w.normalizedName().equals(n)).findFirst();
    }

    /** {@code name==version} lines, sorted: a readable summary. */
    public List<String> pins() {
        return wheels.stream().map(w -> w.name() + "==" + w.version()).toList();
    }
}

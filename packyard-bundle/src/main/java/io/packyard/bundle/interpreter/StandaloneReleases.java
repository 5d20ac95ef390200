package io.packyard.bundle.interpreter;

import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The python-build-standalone releases Packyard knows without asking the network: which release
 * a {@code "3.12"} or {@code "3.12.7"} maps to. Each release is a date tag and ships exactly one
 * patch version per minor version, so (version, release) names one archive per target triple.
 *
 * <p>{@link #DEFAULT_RELEASE} ({@value #DEFAULT_RELEASE}) ships 3.9.24, 3.10.19, 3.11.14,
 * 3.12.12, 3.13.9 and 3.14.0 for x86_64/aarch64 Linux (glibc) and x86_64 Windows. A few older
 * patch versions map to the release that shipped them. Anything else needs an explicit release:
 * {@code --python 3.12.5+20240814}, {@code InterpreterProvisioner.Builder.release}, or the
 * environment variable {@code PACKYARD_PYTHON_RELEASE}.
 */
public final class StandaloneReleases {

    /** The release used for a bare {@code X.Y}. */
    public static final String DEFAULT_RELEASE = "20251014";

    /** X.Y to the patch version {@link #DEFAULT_RELEASE} ships. */
    private static final Map<String, String> DEFAULT_PATCH = new TreeMap<>(Map.of(
            "3.9", "3.9.24",
            "3.10", "3.10.19",
            "3.11", "3.11.14",
            "3.12", "3.12.12",
            "3.13", "3.13.9",
            "3.14", "3.14.0"));

    /** Older exact versions and the release that shipped them. */
    private static final Map<String, String> OLDER = new TreeMap<>(Map.of(
            "3.9.25", "20251031",
            "3.10.15", "20241016",
            "3.10.16", "20250317",
            "3.10.18", "20250808",
            "3.11.10", "20241016",
            "3.12.7", "20241016",
            "3.12.11", "20250808",
            "3.13.0", "20241016"));

    private StandaloneReleases() {}

    /** A concrete archive coordinate. */
    public record Resolved(String version, String release) {}

    /**
     * Maps {@code "3.12"} or {@code "3.12.7"} to a version and release from the built-in table;
     * empty when the table does not know it.
     */
    public static Optional<Resolved> resolve(String version) {
        String[] parts = version.split("\\.");
        if (parts.length == 2) {
            String patch = DEFAULT_PATCH.get(version);
            return patch == null ? Optional.empty() : Optional.of(new Resolved(patch, DEFAULT_RELEASE));
        }
        if (DEFAULT_PATCH.containsValue(version)) {
            return Optional.of(new Resolved(version, DEFAULT_RELEASE));
        }
        String release = OLDER.get(version);
        return release == null ? Optional.empty() : Optional.of(new Resolved(version, release));
    }

    /** The minor versions the default release covers, e.g. "3.9, 3.10, ..., 3.14". */
    public static String knownMinorVersions() {
        return DEFAULT_PATCH.keySet().stream()
                .sorted((a, b) -> Integer.compare(Integer.parseInt(a.substring(2)), Integer.parseInt(b.substring(2))))
                .reduce((a, b) -> a + ", " + b)
                .orElse("");
    }
}

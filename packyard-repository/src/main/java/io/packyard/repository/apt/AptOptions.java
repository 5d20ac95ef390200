package io.packyard.repository.apt;

import io.packyard.repository.packages.StorePaths;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Settings of one APT repository.
 *
 * @param origin the Release {@code Origin} field (apt pinning matches on it), e.g. the company
 * @param label the Release {@code Label} field; empty means the repository name
 * @param description the Release {@code Description} field, or empty for none
 * @param architectures architectures every suite lists (and indexes, empty if need be) even before
 *     a package for them is published; published architectures are added. {@code all} packages
 *     are listed in every architecture's index.
 * @param components components every suite lists; published components are added
 * @param validFor when present, Release carries {@code Valid-Until: Date + validFor} and clients
 *     refuse it after that: the server must then {@link AptRepository#refresh refresh} suites
 *     well before (a freeze or replay attack then shows as an error instead of silence)
 * @param byHashKeepGenerations superseded {@code by-hash} files are kept until this many newer
 *     index generations exist ...
 * @param byHashKeepFor ... and at least this long after they were superseded (both must pass),
 *     so clients and mirrors that fetched the previous Release can still fetch its indexes
 */
public record AptOptions(
        String origin,
        String label,
        String description,
        List<String> architectures,
        List<String> components,
        Optional<Duration> validFor,
        int byHashKeepGenerations,
        Duration byHashKeepFor) {

    public static final List<String> DEFAULT_ARCHITECTURES = List.of("amd64", "arm64");

    public AptOptions {
        Objects.requireNonNull(origin, "origin");
        Objects.requireNonNull(label, "label");
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(validFor, "validFor");
        Objects.requireNonNull(byHashKeepFor, "byHashKeepFor");
        if (origin.isBlank() || origin.contains("\n")) {
            throw new IllegalArgumentException("APT origin must be one non-empty line");
        }
        if (label.contains("\n") || description.contains("\n")) {
            throw new IllegalArgumentException("APT label and description must be one line");
        }
        architectures = List.copyOf(new TreeSet<>(architectures));
        for (String a : architectures) {
            if (!a.matches("[a-z0-9][a-z0-9-]*") || a.equals("all") || a.equals("any")) {
                throw new IllegalArgumentException("not a Debian architecture: " + a);
            }
        }
        components = List.copyOf(new TreeSet<>(components));
        for (String c : components) {
            StorePaths.checkName("component", c);
        }
        if (byHashKeepGenerations < 1) {
            throw new IllegalArgumentException("byHashKeepGenerations must be at least 1");
        }
        if (byHashKeepFor.isNegative()) {
            throw new IllegalArgumentException("byHashKeepFor must not be negative");
        }
        validFor.ifPresent(d -> {
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("validFor must be positive");
            }
        });
    }

    /** Origin "Packyard", label = repository name, amd64 and arm64, component main, no Valid-Until, by-hash files kept for 3 generations and 1 day. */
    public static AptOptions defaults() {
        return new AptOptions("Packyard", "", "", DEFAULT_ARCHITECTURES, List.of("main"), Optional.empty(), 3, Duration.ofDays(1));
    }

    public AptOptions withOrigin(String o) {
        return new AptOptions(o, label, description, architectures, components, validFor, byHashKeepGenerations, byHashKeepFor);
    }

    public AptOptions withLabel(String l) {
        return new AptOptions(origin, l, description, architectures, components, validFor, byHashKeepGenerations, byHashKeepFor);
    }

    public AptOptions withDescription(String d) {
        return new AptOptions(origin, label, d, architectures, components, validFor, byHashKeepGenerations, byHashKeepFor);
    }

    public AptOptions withArchitectures(List<String> a) {
        return new AptOptions(origin, label, description, a, components, validFor, byHashKeepGenerations, byHashKeepFor);
    }

    public AptOptions withComponents(List<String> c) {
        return new AptOptions(origin, label, description, architectures, c, validFor, byHashKeepGenerations, byHashKeepFor);
    }

    public AptOptions withValidFor(Duration d) {
        return new AptOptions(origin, label, description, architectures, components, Optional.ofNullable(d), byHashKeepGenerations, byHashKeepFor);
    }

    public AptOptions withByHashRetention(int generations, Duration keepFor) {
        return new AptOptions(origin, label, description, architectures, components, validFor, generations, keepFor);
    }
}

package io.packyard.python.wheel;

import io.packyard.python.PackyardException;
import io.packyard.python.names.ProjectName;
import io.packyard.python.tags.Tag;
import io.packyard.python.version.Version;
import java.math.BigInteger;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A wheel file name, {@code {name}-{version}(-{build})?-{python}-{abi}-{platform}.whl}, parsed the
 * way pip and packaging do.
 *
 * @param name the distribution name as written in the file name (escaped, {@code _} separators)
 * @param version the version as written in the file name
 * @param buildTag the optional build tag; it starts with a digit
 * @param tags the expanded compatibility tags (compressed tag sets are expanded), in order
 * @param filename the file name itself
 */
public record WheelFilename(String name, String version, Optional<String> buildTag, Set<Tag> tags, String filename) {

    private static final Pattern NAME = Pattern.compile("[\\p{L}\\p{N}_.]+");
    private static final Pattern VERSION = Pattern.compile("[A-Za-z0-9_.!+]+");
    private static final Pattern BUILD = Pattern.compile("(\\d+)(.*)");

    /**
     * Orders build tags as pip does: no build tag first, then by the leading number, then by the
     * rest of the tag as a string.
     */
    public static final Comparator<Optional<String>> BUILD_TAG_ORDER = WheelFilename::compareBuildTags;

    public WheelFilename {
        tags = Collections.unmodifiableSet(new LinkedHashSet<>(tags));
    }

    /**
     * Parses a wheel file name (a bare name, not a path).
     *
     * @throws PackyardException (build) naming the file and what is wrong with it
     */
    public static WheelFilename parse(String filename) {
        if (!filename.endsWith(".whl")) {
            throw invalid(filename, "does not end in .whl");
        }
        if (filename.indexOf('/') >= 0 || filename.indexOf('\\') >= 0) {
            throw invalid(filename, "is a path, not a file name");
        }
        String stem = filename.substring(0, filename.length() - 4);
        String[] parts = stem.split("-", -1);
        if (parts.length != 5 && parts.length != 6) {
            throw invalid(filename, "expected {name}-{version}(-{build})?-{python}-{abi}-{platform}.whl, found "
                    + (parts.length - 1) + " dashes");
        }
        for (String p : parts) {
            if (p.isEmpty()) {
                throw invalid(filename, "has an empty field");
            }
        }
        String name = parts[0];
        if (!NAME.matcher(name).matches() || name.contains("__")) {
            throw invalid(filename, "invalid project name " + name);
        }
        String version = parts[1];
        if (!VERSION.matcher(version).matches()) {
            throw invalid(filename, "invalid version " + version);
        }
        try {
            // in file names "-" is escaped as "_" (1.0-1 → 1.0_1)
            Version.parse(version.replace('_', '-'));
        } catch (IllegalArgumentException e) {
            throw invalid(filename, "invalid version " + version + " (not PEP 440)");
        }
        Optional<String> build = Optional.empty();
        if (parts.length == 6) {
            if (!BUILD.matcher(parts[2]).matches()) {
                throw invalid(filename, "build tag " + parts[2] + " does not start with a digit");
            }
            build = Optional.of(parts[2]);
        }
        String tagText = parts[parts.length - 3] + "-" + parts[parts.length - 2] + "-" + parts[parts.length - 1];
        Set<Tag> tags;
        try {
            tags = Tag.parseSet(tagText);
        } catch (IllegalArgumentException e) {
            throw invalid(filename, "invalid tags " + tagText);
        }
        for (String t : tagText.split("[-.]")) {
            if (t.isEmpty()) {
                throw invalid(filename, "invalid tags " + tagText);
            }
        }
        return new WheelFilename(name, version, build, tags, filename);
    }

    private static PackyardException invalid(String filename, String why) {
        return PackyardException.build("wheel " + filename + ": invalid wheel file name: " + why);
    }

    /** The version, parsed (PEP 440). */
    public Version parsedVersion() {
        return Version.parse(version.replace('_', '-'));
    }

    /** The normalized project name (lower case, "-" separators), as in index URLs. */
    public String normalizedName() {
        return ProjectName.normalize(name);
    }

    /** The build tag's leading number, or empty when there is no build tag. */
    public Optional<BigInteger> buildNumber() {
        return buildTag.map(b -> {
            Matcher m = BUILD.matcher(b);
            m.matches();
            return new BigInteger(m.group(1));
        });
    }

    /** True when one of the tags is in {@code supported}. */
    public boolean isCompatible(Set<Tag> supported) {
        for (Tag t : tags) {
            if (supported.contains(t)) {
                return true;
            }
        }
        return false;
    }

    /** Compares build tags the way pip does ({@code (int(number), rest)}, absent first). */
    public static int compareBuildTags(Optional<String> a, Optional<String> b) {
        if (a.isEmpty() || b.isEmpty()) {
            return Boolean.compare(a.isPresent(), b.isPresent());
        }
        Matcher ma = BUILD.matcher(a.get());
        Matcher mb = BUILD.matcher(b.get());
        if (!ma.matches() || !mb.matches()) {
            throw new IllegalArgumentException("build tag does not start with a digit: " + (ma.matches() ? b.get() : a.get()));
        }
        int c = new BigInteger(ma.group(1)).compareTo(new BigInteger(mb.group(1)));
        if (c != 0) {
            return c;
        }
        return ma.group(2).compareTo(mb.group(2));
    }

    @Override
    public String toString() {
        return filename;
    }
}

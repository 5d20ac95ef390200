package io.packyard.formats.rpm;

import io.packyard.formats.linux.UpstreamVersion;
import io.packyard.python.PackyardException;
import io.packyard.python.version.InvalidVersionException;
import io.packyard.python.version.Version;

/**
 * An RPM epoch-version-release derived from a PEP 440 version so that rpm orders packages the
 * way PEP 440 orders the versions (see {@link UpstreamVersion}).
 *
 * @param epoch the PEP 440 epoch; the Epoch tag is written only when it is not 0
 * @param version the Version tag, e.g. {@code 1.0~rc1}
 * @param release the Release tag, {@code 1} for packages Packyard builds
 */
public record RpmVersion(int epoch, String version, String release) {

    /** The release of every package Packyard builds. */
    public static final String RELEASE = "1";

    public static RpmVersion fromPep440(Version version) {
        return new RpmVersion(version.epoch(), UpstreamVersion.of(version), RELEASE);
    }

    /** Parses the normalized PEP 440 version a bundle carries and maps it. */
    public static RpmVersion fromPep440(String version) {
        try {
            return fromPep440(Version.parse(version));
        } catch (InvalidVersionException e) {
            throw PackyardException.build("bundle version: " + e.getMessage());
        }
    }

    /** {@code [epoch:]version-release}, the form rpm prints and compares. */
    @Override
    public String toString() {
        return (epoch == 0 ? "" : epoch + ":") + version + "-" + release;
    }
}

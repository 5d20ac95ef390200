package io.packyard.formats.deb;

import io.packyard.formats.linux.UpstreamVersion;
import io.packyard.python.PackyardException;
import io.packyard.python.version.InvalidVersionException;
import io.packyard.python.version.Version;

/**
 * A Debian package version {@code [epoch:]upstream-revision} derived from a PEP 440 version so
 * that dpkg orders packages the way PEP 440 orders the versions (see {@link UpstreamVersion}).
 *
 * @param epoch the PEP 440 epoch; written as {@code epoch:} when not 0
 * @param upstream the upstream version, e.g. {@code 1.0~rc1}
 * @param revision the Debian revision, {@code 1} for packages Packyard builds
 */
public record DebianVersion(int epoch, String upstream, String revision) {

    /** The revision of every package Packyard builds. */
    public static final String REVISION = "1";

    public static DebianVersion fromPep440(Version version) {
        return new DebianVersion(version.epoch(), UpstreamVersion.of(version), REVISION);
    }

    /** Parses the normalized PEP 440 version a bundle carries and maps it. */
    public static DebianVersion fromPep440(String version) {
        try {
            return fromPep440(Version.parse(version));
        } catch (InvalidVersionException e) {
            throw PackyardException.build("bundle version: " + e.getMessage());
        }
    }

    /** The version without the epoch, as used in file names: {@code 1.0~rc1-1}. */
    public String withoutEpoch() {
        return upstream + "-" + revision;
    }

    /** The Version field value: {@code 2:1.0~rc1-1}. */
    @Override
    public String toString() {
        return (epoch == 0 ? "" : epoch + ":") + withoutEpoch();
    }
}

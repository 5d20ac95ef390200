package io.packyard.repository.yum;

import java.util.List;

/**
 * A binary .rpm as the repository sees it: everything primary.xml, filelists.xml and other.xml
 * need, read from its header by {@link RpmPackageReader}.
 *
 * @param epoch the EPOCH tag, or null when the package has none
 * @param installedSize LONGSIZE / SIZE: bytes installed
 * @param archiveSize the uncompressed payload size (LONGARCHIVESIZE / PAYLOADSIZE / ARCHIVESIZE)
 * @param headerStart offset of the main header in the file (after lead and signature header)
 * @param headerEnd offset just after the main header (where the payload starts)
 * @param files every file, in header order
 * @param size file size in bytes
 * @param sha256 hex SHA-256 of the whole file (the pkgid of repodata)
 * @param contentSha256 hex SHA-256 of the main header and payload: what signing leaves alone,
 *     so a package re-signed with another key keeps its identity
 * @param hasPayloadDigest whether the signed header holds a payload digest (rpm 4.14+ builds);
 *     without one a header-only signature does not cover the payload
 * @param signatureKeyIds hex key IDs of the OpenPGP signatures in the signature header
 */
public record RpmPackage(
        String name,
        Long epoch,
        String version,
        String release,
        String arch,
        String summary,
        String description,
        String url,
        String packager,
        String vendor,
        String license,
        String group,
        String buildHost,
        String sourceRpm,
        long buildTime,
        long installedSize,
        long archiveSize,
        long headerStart,
        long headerEnd,
        List<RpmFile> files,
        List<RpmDependency> provides,
        List<RpmDependency> requires,
        List<RpmDependency> conflicts,
        List<RpmDependency> obsoletes,
        List<RpmDependency> recommends,
        List<RpmDependency> suggests,
        List<RpmDependency> supplements,
        List<RpmDependency> enhances,
        List<RpmChangelog> changelogs,
        long size,
        String sha256,
        String contentSha256,
        boolean hasPayloadDigest,
        List<String> signatureKeyIds) {

    /** A file of the package. */
    public record RpmFile(String path, Kind kind, String digest) {
        public enum Kind {
            FILE,
            DIR,
            GHOST
        }
    }

    /**
     * A dependency: name, the rpm sense flags and the version it is compared with
     * ({@code [epoch:]version[-release]}, empty when none).
     */
    public record RpmDependency(String name, int flags, String version) {
        /** RPMSENSE_LESS | GREATER | EQUAL. */
        public String comparison() {
            return switch (flags & 0xf) {
                case 2 -> "LT";
                case 4 -> "GT";
                case 8 -> "EQ";
                case 10 -> "LE";
                case 12 -> "GE";
                default -> null;
            };
        }

        /**
         * Needed before or during scriptlets (prereq, %pre, %post, %pretrans, %posttrans), what
         * primary.xml marks {@code pre="1"}.
         */
        public boolean pre() {
            int preFlags = (1 << 6) | (1 << 9) | (1 << 5) | (1 << 7) | (1 << 10);
            return (flags & preFlags) != 0;
        }

        /** An rpmlib(...) feature requirement (never listed in repodata). */
        public boolean rpmlib() {
            return name.startsWith("rpmlib(");
        }
    }

    /** A %changelog entry; {@code time} in seconds since the epoch. */
    public record RpmChangelog(String author, long time, String text) {}

    /** {@code [epoch:]version-release}. */
    public String evr() {
        return (epoch != null && epoch != 0 ? epoch + ":" : "") + version + "-" + release;
    }

    /** {@code name-[epoch:]version-release.arch}. */
    public String nevra() {
        return name + "-" + evr() + "." + arch;
    }

    /** The canonical file name {@code name-version-release.arch.rpm}. */
    public String fileName() {
        return name + "-" + version + "-" + release + "." + arch + ".rpm";
    }
}

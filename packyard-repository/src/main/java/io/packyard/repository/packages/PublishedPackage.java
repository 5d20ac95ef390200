package io.packyard.repository.packages;

import java.time.Instant;

/**
 * A package file as published in an APT or YUM repository.
 *
 * @param format {@code deb} or {@code rpm}; for plain downloads ({@link DownloadArtifacts})
 *     {@code msi}, {@code zip} or {@code tar.gz}, whose {@code architecture} is the platform
 *     ({@code windows-x64}) and {@code version} the PEP 440 version
 * @param repository the repository name
 * @param channel the APT suite or YUM channel
 * @param component the APT component ({@code main}); empty for YUM
 * @param name the package name
 * @param version the full version: Debian {@code [epoch:]upstream[-revision]}, RPM
 *     {@code [epoch:]version-release}
 * @param architecture the package architecture as its format spells it ({@code amd64},
 *     {@code x86_64}, {@code all}, {@code noarch} ...)
 * @param path the store path of the file, which is also its URL path below the server's root
 * @param size file size in bytes
 * @param sha256 hex SHA-256 of the file as served
 * @param published when it was published
 */
public record PublishedPackage(
        String format,
        String repository,
        String channel,
        String component,
        String name,
        String version,
        String architecture,
        String path,
        long size,
        String sha256,
        Instant published) {

    /** The file name (last segment of {@link #path}). */
    public String fileName() {
        return path.substring(path.lastIndexOf('/') + 1);
    }

    /**
     * The platform in Packyard's terms: {@code linux-x86_64}, {@code linux-aarch64}, ... or
     * {@code linux-any} for architecture-independent packages; other architectures as
     * {@code linux-<arch>}.
     */
    public String platform() {
        if (!format.equals("deb") && !format.equals("rpm")) {
            return architecture; // plain downloads (.msi, .zip, .tar.gz) record Packyard's target id
        }
        return "linux-" + switch (architecture) {
            case "amd64", "x86_64" -> "x86_64";
            case "arm64", "aarch64" -> "aarch64";
            case "armhf", "armv7hl" -> "armv7";
            case "i386", "i686" -> "x86";
            case "ppc64el", "ppc64le" -> "ppc64le";
            case "s390x" -> "s390x";
            case "riscv64" -> "riscv64";
            case "all", "noarch" -> "any";
            default -> architecture;
        };
    }
}

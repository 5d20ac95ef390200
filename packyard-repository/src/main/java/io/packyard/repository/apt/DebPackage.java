package io.packyard.repository.apt;

import java.util.List;

/**
 * A .deb as the repository sees it: its control paragraph, as checked by {@link DebPackageReader},
 * and the size and digests of the file.
 *
 * @param name the {@code Package} field
 * @param version the {@code Version} field ({@code [epoch:]upstream[-revision]})
 * @param architecture the {@code Architecture} field ({@code amd64}, {@code arm64}, {@code all} ...)
 * @param source the source package name ({@code Source} without its version, else the name)
 * @param control the whole control paragraph, fields in the package's order
 * @param size file size in bytes
 * @param md5 hex MD5 of the file
 * @param sha1 hex SHA-1 of the file
 * @param sha256 hex SHA-256 of the file
 */
public record DebPackage(
        String name,
        String version,
        String architecture,
        String source,
        ControlParagraph control,
        long size,
        String md5,
        String sha1,
        String sha256) {

    /** The canonical file name: {@code <name>_<version without epoch>_<architecture>.deb}. */
    public String fileName() {
        return name + "_" + DebianVersions.withoutEpoch(version) + "_" + architecture + ".deb";
    }

    /**
     * The pool directory Debian's archive uses for the source name:
     * {@code pool/<component>/<l or libX>/<source>/}.
     */
    public String poolDirectory(String component) {
        String prefix = source.startsWith("lib") && source.length() > 3 ? source.substring(0, 4) : source.substring(0, 1);
        return "pool/" + component + "/" + prefix + "/" + source + "/";
    }

    /**
     * The {@code Packages} stanza: the control paragraph with {@code Package} first, then
     * {@code Filename}, {@code Size}, {@code MD5sum}, {@code SHA1} and {@code SHA256}.
     */
    public ControlParagraph stanza(String filename) {
        ControlParagraph rest = control.without("Package");
        return new ControlParagraph(List.of(new ControlParagraph.Field("Package", name)))
                .with(rest.fields())
                .with(List.of(
                        new ControlParagraph.Field("Filename", filename),
                        new ControlParagraph.Field("Size", Long.toString(size)),
                        new ControlParagraph.Field("MD5sum", md5),
                        new ControlParagraph.Field("SHA1", sha1),
                        new ControlParagraph.Field("SHA256", sha256)));
    }
}

package io.packyard.formats;

import io.packyard.bundle.BundleMetadata;
import io.packyard.python.PackyardException;

/** Names shared by the portable archives (.tar.gz, .zip): one top-level directory, one file-name pattern. */
public final class ArchiveNames {
    private ArchiveNames() {}

    /** {@code {name}-{version}}, the archive's single top-level directory. */
    public static String topDirectory(BundleMetadata m) {
        String top = m.name() + "-" + m.version();
        if (top.contains("/") || top.contains("\\") || top.startsWith(".")) {
            throw PackyardException.build("bundle: '" + top + "' cannot be a directory name");
        }
        return top;
    }

    /** {@code {name}-{version}-{target}.{extension}}, e.g. {@code notes-1.0-windows-x64.zip}. */
    public static String fileName(BundleMetadata m, String extension) {
        return topDirectory(m) + "-" + m.target().id() + "." + extension;
    }
}

package io.packyard.repository.packages;

import io.packyard.python.PackyardException;

/**
 * A package the repository will not take: it cannot be read, its own metadata is wrong, or (as
 * {@link PackageConflictException}) its name, version and architecture are taken by other
 * content. The message is one line naming the file and the problem, e.g.
 * {@code notes_1.0-1_amd64.deb: control: Version '1.0 beta': not a Debian version}. Servers
 * answer it with 400.
 */
public class PackageRejectedException extends PackyardException {
    private final String fileName;

    public PackageRejectedException(String fileName, String reason) {
        super(Kind.BUILD, fileName + ": " + reason);
        this.fileName = fileName;
    }

    public PackageRejectedException(String fileName, String reason, Throwable cause) {
        super(Kind.BUILD, fileName + ": " + reason, cause);
        this.fileName = fileName;
    }

    /** The file name of the refused package as given. */
    public String fileName() {
        return fileName;
    }
}

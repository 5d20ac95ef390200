package io.packyard.repository.packages;

/**
 * A package whose name, version and architecture were published before with other content. A
 * repository never lets one version mean two files (clients cache by version and verify by
 * hash); publish a new version instead. Servers answer it with 409 Conflict, or 400 with a
 * message starting "File already exists" where a client expects that (twine).
 */
public final class PackageConflictException extends PackageRejectedException {
    private final String existingSha256;

    public PackageConflictException(String fileName, String identity, String existingSha256, String newSha256) {
        super(fileName, "File already exists: " + identity + " was published before with other content (sha256 "
                + existingSha256 + ", this file's " + newSha256 + "); publish it under a new version");
        this.existingSha256 = existingSha256;
    }

    /** The content digest recorded for the first publication. */
    public String existingSha256() {
        return existingSha256;
    }
}

package io.packyard.repository.storage;

import java.io.IOException;

/** Thrown while writing a staged blob when it grows past its size limit; nothing was stored. */
public final class BlobTooLargeException extends IOException {

    private final long limit;

    public BlobTooLargeException(long limit) {
        super("larger than the limit of " + limit + " bytes");
        this.limit = limit;
    }

    public long limit() {
        return limit;
    }
}

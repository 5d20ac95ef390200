package io.packyard.python.metadata;

/** Core metadata (METADATA / PKG-INFO) that is malformed or lacks a required field. */
public class InvalidMetadataException extends IllegalArgumentException {
    public InvalidMetadataException(String message) {
        super(message);
    }

    public InvalidMetadataException(String message, Throwable cause) {
        super(message, cause);
    }
}

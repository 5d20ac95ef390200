package io.packyard.python.markers;

/** A PEP 508 environment marker that cannot be parsed, or a comparison the spec leaves undefined. */
public class InvalidMarkerException extends IllegalArgumentException {
    public InvalidMarkerException(String message) {
        super(message);
    }
}

package io.packyard.repository.index;

/**
 * A mirror could not get something from its upstream and has no cached copy to serve instead
 * (the server answers 502 Bad Gateway with this message).
 */
public final class UpstreamException extends RuntimeException {

    public UpstreamException(String message) {
        super(message);
    }

    public UpstreamException(String message, Throwable cause) {
        super(message, cause);
    }
}

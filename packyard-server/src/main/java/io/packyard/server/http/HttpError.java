package io.packyard.server.http;

import java.util.Map;

/**
 * An error answer: the status and a one-line message for the client (plain text, or JSON under
 * {@code /api/}), plus headers such as {@code WWW-Authenticate}. Thrown from routes; the server's
 * error mapping turns it into the response.
 */
public final class HttpError extends RuntimeException {

    private final int status;
    private final Map<String, String> headers;

    public HttpError(int status, String message) {
        this(status, message, Map.of());
    }

    public HttpError(int status, String message, Map<String, String> headers) {
        super(message, null, false, false);
        this.status = status;
        this.headers = Map.copyOf(headers);
    }

    public int status() {
        return status;
    }

    public Map<String, String> headers() {
        return headers;
    }

    public static HttpError notFound(String message) {
        return new HttpError(404, message);
    }

    public static HttpError badRequest(String message) {
        return new HttpError(400, message);
    }
}

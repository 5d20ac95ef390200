package io.packyard.python.util;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

/** Waiting for work run on another thread, with its failure rethrown as the caller's own. */
public final class Futures {
    private Futures() {}

    /**
     * The result of {@code f}; its IOException or RuntimeException is rethrown as it was, any other
     * failure wrapped in an IOException; an interrupt becomes an InterruptedIOException
     * ("interrupted while {@code doing}") with the thread's interrupt flag set again.
     */
    public static <T> T await(Future<T> f, String doing) throws IOException {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while " + doing);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof IOException io) {
                throw io;
            }
            if (c instanceof RuntimeException r) {
                throw r;
            }
            throw new IOException(c);
        }
    }
}

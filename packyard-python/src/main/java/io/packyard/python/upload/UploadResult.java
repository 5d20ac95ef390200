package io.packyard.python.upload;

import java.util.Objects;

/**
 * What became of one upload.
 *
 * @param filename the distribution's file name
 * @param outcome uploaded, already on the index (with skip-existing), or rejected
 * @param status the HTTP status of the final response (0 if none)
 * @param message the index's reason (one line) for a rejection or a skip; empty when uploaded
 * @param upload what the client read from the file (name, version, digests)
 */
public record UploadResult(String filename, Outcome outcome, int status, String message, ValidatedUpload upload) {

    public enum Outcome {
        /** The index accepted the file (2xx); an identical re-upload is also a 2xx on PyPI. */
        UPLOADED,
        /** The index already has this file name and {@code skipExisting} was set. */
        ALREADY_EXISTS,
        /** The index refused the file; {@link #message()} says why. */
        REJECTED
    }

    public UploadResult {
        Objects.requireNonNull(filename);
        Objects.requireNonNull(outcome);
        message = message == null ? "" : message;
    }

    public boolean ok() {
        return outcome != Outcome.REJECTED;
    }

    @Override
    public String toString() {
        return switch (outcome) {
            case UPLOADED -> filename + ": uploaded";
            case ALREADY_EXISTS -> filename + ": already exists, skipped";
            case REJECTED -> filename + ": rejected (" + status + "): " + message;
        };
    }
}

package io.packyard.msi.db;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * The content of a stream: a binary column's value or a named stream of the package. Either bytes
 * in memory or a file that is read when the database is written (so a large cabinet is never held
 * in the heap).
 */
public sealed interface BinaryValue {

    /** The content as bytes (copied). */
    static BinaryValue of(byte[] bytes) {
        return new Bytes(bytes.clone());
    }

    /** The content of a file, read when the database is written. */
    static BinaryValue of(Path file) {
        return new FileContent(file);
    }

    /** The size in bytes (for a file: its current size). */
    long size() throws IOException;

    /** Opens the content for reading. */
    InputStream open() throws IOException;

    /** Bytes in memory. */
    record Bytes(byte[] data) implements BinaryValue {
        public Bytes {
            Objects.requireNonNull(data, "data");
        }

        @Override
        public long size() {
            return data.length;
        }

        @Override
        public InputStream open() {
            return new ByteArrayInputStream(data);
        }
    }

    /** A file, read when the database is written. */
    record FileContent(Path file) implements BinaryValue {
        public FileContent {
            Objects.requireNonNull(file, "file");
        }

        @Override
        public long size() throws IOException {
            return Files.size(file);
        }

        @Override
        public InputStream open() throws IOException {
            return Files.newInputStream(file);
        }
    }
}

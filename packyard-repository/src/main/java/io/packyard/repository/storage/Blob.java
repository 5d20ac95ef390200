package io.packyard.repository.storage;

/** A blob in the {@link BlobStore}: its SHA-256 (lower-case hex, the content address) and size. */
public record Blob(String sha256, long size) {}

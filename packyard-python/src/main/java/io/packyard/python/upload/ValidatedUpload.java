package io.packyard.python.upload;

import io.packyard.python.metadata.CoreMetadata;
import io.packyard.python.version.Version;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;

/**
 * A distribution file that passed {@link UploadValidator}: what an index stores about it.
 *
 * @param name the project name as written in the file's metadata
 * @param normalizedName the PEP 503 normalized name ({@code foo-bar})
 * @param version the version
 * @param canonicalVersion the version's normalized text ({@code 1.0rc1})
 * @param filename the file name (canonical for its type)
 * @param filetype wheel or sdist
 * @param pythonVersion {@code source} for sdists; the wheel's python tag(s) for wheels ({@code py3},
 *     {@code cp312}, {@code py2.py3})
 * @param sha256 lower-case hex SHA-256 of the file
 * @param blake2b256 lower-case hex BLAKE2b-256 of the file
 * @param md5 lower-case hex MD5 of the file
 * @param size the file size in bytes
 * @param requiresPython the {@code Requires-Python} specifier as written, if any
 * @param metadata the core metadata bytes exactly as in the archive (wheel METADATA, sdist PKG-INFO);
 *     served as the PEP 658 {@code .metadata} file
 * @param metadataSha256 lower-case hex SHA-256 of {@code metadata}
 * @param coreMetadata the parsed metadata
 * @param metadataVersion the {@code Metadata-Version} field
 */
public record ValidatedUpload(
        String name,
        String normalizedName,
        Version version,
        String canonicalVersion,
        String filename,
        FileType filetype,
        String pythonVersion,
        String sha256,
        String blake2b256,
        String md5,
        long size,
        Optional<String> requiresPython,
        byte[] metadata,
        String metadataSha256,
        CoreMetadata coreMetadata,
        String metadataVersion) {

    public ValidatedUpload {
        Objects.requireNonNull(name);
        Objects.requireNonNull(version);
        Objects.requireNonNull(filename);
        Objects.requireNonNull(filetype);
        metadata = metadata.clone();
    }

    /** A copy of the core metadata bytes. */
    @Override
    public byte[] metadata() {
        return metadata.clone();
    }

    /** The {@code Summary} field, if any. */
    public Optional<String> summary() {
        return coreMetadata.summary();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ValidatedUpload u && filename.equals(u.filename) && sha256.equals(u.sha256)
                && Arrays.equals(metadata, u.metadata);
    }

    @Override
    public int hashCode() {
        return Objects.hash(filename, sha256);
    }

    @Override
    public String toString() {
        return filename + " (" + filetype.formValue() + ", " + size + " bytes, sha256 " + sha256 + ")";
    }
}

package io.packyard.repository.index;

import java.time.Instant;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * One file on a served project page, whatever index it comes from.
 *
 * @param filename        the file name
 * @param sha256          its SHA-256 (the link's {@code #sha256=} and the file URL's key)
 * @param requiresPython  the {@code Requires-Python} specifier, when known
 * @param yanked          present when yanked (PEP 592): the reason, possibly empty
 * @param metadataSha256  present when the core metadata is served at {@code <url>.metadata}
 *                        (PEP 658/714): the metadata file's sha256
 * @param size            the size in bytes, when known (PEP 700)
 * @param uploadTime      the upload time, when known (PEP 700)
 * @param version         the version the file belongs to, when known
 */
public record PageFile(
        String filename,
        String sha256,
        Optional<String> requiresPython,
        Optional<String> yanked,
        Optional<String> metadataSha256,
        OptionalLong size,
        Optional<Instant> uploadTime,
        Optional<String> version) {

    /** The path of the file relative to the index root: {@code files/<sha256>/<filename>}. */
    public String path() {
        return "files/" + sha256 + "/" + filename;
    }
}

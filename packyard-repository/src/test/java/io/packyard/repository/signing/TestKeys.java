package io.packyard.repository.signing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;

/**
 * Signing keys shared by the tests of one JVM: an RSA 4096 key takes seconds to generate, so
 * tests that only need a key (not its generation) use these.
 */
public final class TestKeys {
    private static SigningKey shared;
    private static SigningKey other;

    private TestKeys() {}

    /** The repository key most tests sign with. */
    public static synchronized SigningKey shared() {
        if (shared == null) {
            shared = RepositoryKeys.generate("Packyard Test Repository <test@packyard.example.org>", Clock.systemUTC());
        }
        return shared;
    }

    /** A second key, for "signed by someone else". */
    public static synchronized SigningKey other() {
        if (other == null) {
            other = RepositoryKeys.generate("Someone Else <else@packyard.example.org>", Clock.systemUTC());
        }
        return other;
    }

    /** Opens a new key directory {@code dir} (0700) whose current key is {@link #shared()}. */
    public static RepositoryKeys keysIn(Path dir) throws IOException {
        Files.createDirectories(dir.getParent());
        Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path current = dir.resolve("current.asc");
        Files.createFile(current, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.write(current, SigningKey.armor(shared().secretRing().getEncoded()));
        return RepositoryKeys.open(dir, "unused: the key exists");
    }
}

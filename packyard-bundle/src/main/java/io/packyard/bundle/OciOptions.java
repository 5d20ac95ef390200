package io.packyard.bundle;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * How an OCI image of the application is made: {@code [tool.packyard.oci]}, validated. Every key
 * is documented once in docs/config.md.
 *
 * @param base the image the application's layers go on top of
 * @param user the name of the non-root account the application runs as (added to the image's
 *     /etc/passwd and /etc/group unless the base already has it with the same uid)
 * @param uid that account's user and group id (never 0)
 * @param ports exposed ports such as {@code 8000/tcp} (normalized: a protocol always given)
 * @param labels extra image labels; they override the {@code org.opencontainers.image.*} labels
 *     Packyard derives from the project metadata
 * @param env extra environment variables of the image
 */
public record OciOptions(
        Base base,
        String user,
        int uid,
        List<String> ports,
        Map<String, String> labels,
        Map<String, String> env) {

    /** The base image when none is configured. */
    public static final String DEFAULT_BASE = "debian:12-slim";
    public static final String DEFAULT_USER = "app";
    public static final int DEFAULT_UID = 10001;

    /** A POSIX portable user name, as useradd accepts it. */
    public static final Pattern USER_NAME = Pattern.compile("^[a-z_][a-z0-9_-]{0,31}$");

    /** Where the base image comes from. */
    public sealed interface Base {
        /** Text as written in the configuration ({@code debian:12-slim}, {@code archive:base.tar}). */
        String text();
    }

    /**
     * An image in a registry, pulled at build time.
     *
     * @param reference a reference such as {@code debian:12-slim} or {@code registry.example.org/base@sha256:...}
     */
    public record RegistryBase(String reference) implements Base {
        public RegistryBase {
            Objects.requireNonNull(reference, "reference");
        }

        @Override
        public String text() {
            return reference;
        }
    }

    /**
     * A local image archive: an OCI image layout (a directory or a tar of one, as written by
     * {@code skopeo copy ... oci-archive:} or by Packyard) or a {@code docker save} archive.
     *
     * @param file the archive (absolute)
     */
    public record ArchiveBase(Path file) implements Base {
        public ArchiveBase {
            Objects.requireNonNull(file, "file");
        }

        @Override
        public String text() {
            return "archive:" + file;
        }
    }

    public OciOptions {
        Objects.requireNonNull(base, "base");
        Objects.requireNonNull(user, "user");
        if (!USER_NAME.matcher(user).matches()) {
            throw new IllegalArgumentException("not a user name: " + user);
        }
        if (uid <= 0 || uid > 0x7fffffff) {
            throw new IllegalArgumentException("uid must be a positive non-root id: " + uid);
        }
        ports = List.copyOf(ports);
        labels = Map.copyOf(labels);
        env = Map.copyOf(env);
    }

    /** No [tool.packyard.oci] table: every default. */
    public static OciOptions defaults() {
        return new OciOptions(new RegistryBase(DEFAULT_BASE), DEFAULT_USER, DEFAULT_UID, List.of(), Map.of(), Map.of());
    }

    /** A copy with another base image. */
    public OciOptions withBase(Base base) {
        return new OciOptions(base, user, uid, ports, labels, env);
    }
}

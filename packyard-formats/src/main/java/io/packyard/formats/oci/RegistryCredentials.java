package io.packyard.formats.oci;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A user name and password (or token) for a registry. When none is given, the docker/podman
 * credential files are used ($DOCKER_CONFIG/config.json, ~/.docker/config.json with its
 * credential helpers, $REGISTRY_AUTH_FILE, $XDG_RUNTIME_DIR/containers/auth.json).
 */
public record RegistryCredentials(String username, String password) {

    /** The environment variables {@link #fromEnvironment} reads. */
    public static final String USERNAME_VARIABLE = "PACKYARD_REGISTRY_USERNAME";
    public static final String PASSWORD_VARIABLE = "PACKYARD_REGISTRY_PASSWORD";

    public RegistryCredentials {
        Objects.requireNonNull(username, "username");
        Objects.requireNonNull(password, "password");
    }

    /** {@code PACKYARD_REGISTRY_USERNAME} and {@code PACKYARD_REGISTRY_PASSWORD}, when both are set. */
    public static Optional<RegistryCredentials> fromEnvironment(Map<String, String> env) {
        String u = env.get(USERNAME_VARIABLE);
        String p = env.get(PASSWORD_VARIABLE);
        if (u == null || u.isEmpty() || p == null) {
            return Optional.empty();
        }
        return Optional.of(new RegistryCredentials(u, p));
    }

    @Override
    public String toString() {
        return "RegistryCredentials[username=" + username + ", password=***]";
    }
}

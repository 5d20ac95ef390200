package io.packyard.python.util;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * Packyard's cache directory, one rule for everything cached (downloaded wheels and index pages,
 * interpreters, OCI base layers, dpkg-shlibdeps results): {@code $PACKYARD_CACHE_DIR} when set;
 * else on Windows {@code %LOCALAPPDATA%\packyard\cache}, on macOS
 * {@code ~/Library/Caches/packyard}, elsewhere {@code $XDG_CACHE_HOME/packyard} (when absolute)
 * or {@code ~/.cache/packyard}.
 */
public final class CacheDir {
    private CacheDir() {}

    /** From the process environment. */
    public static Path root() {
        return root(System.getenv());
    }

    /** From the given environment ({@code HOME} falls back to the {@code user.home} property). */
    public static Path root(Map<String, String> env) {
        String own = env.get("PACKYARD_CACHE_DIR");
        if (own != null && !own.isBlank()) {
            return Path.of(own);
        }
        String home = env.getOrDefault("HOME", System.getProperty("user.home"));
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        if (os.startsWith("windows")) {
            String local = env.get("LOCALAPPDATA");
            return (local != null && !local.isBlank() ? Path.of(local) : Path.of(home, "AppData", "Local"))
                    .resolve("packyard").resolve("cache");
        }
        if (os.contains("mac")) {
            return Path.of(home, "Library", "Caches", "packyard");
        }
        String xdg = env.get("XDG_CACHE_HOME");
        if (xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute()) {
            return Path.of(xdg, "packyard");
        }
        return Path.of(home, ".cache", "packyard");
    }
}

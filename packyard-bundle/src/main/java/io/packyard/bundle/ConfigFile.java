package io.packyard.bundle;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A configuration file the Linux packages install under {@code /etc/<company>/<product>/}
 * ({@link Layout#configDir()}) and keep across upgrades: a dpkg conffile, an rpm
 * {@code %config(noreplace)} file. An administrator's changes survive every upgrade; a changed
 * file in a new version is installed beside it ({@code .dpkg-dist}, {@code .rpmnew}).
 *
 * @param name the file name under the configuration directory, e.g. {@code notes-web.env}
 * @param source the file in the project whose bytes are installed
 * @param mode the installed mode: 0644, or 0600 for a service's environment file (systemd
 *     reads it as root; it may hold secrets)
 * @param where where pyproject.toml names it, for error messages
 *     ({@code pyproject.toml:12: [tool.packyard].config-files})
 */
public record ConfigFile(String name, Path source, int mode, String where) {
    public ConfigFile {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(source, "source");
        where = where == null ? "" : where;
    }
}

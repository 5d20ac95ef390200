package io.packyard.bundle;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A long-running command of the application that the Linux packages install as a systemd
 * service ({@code [[tool.packyard.services]]}, documented in docs/services.md). The packages
 * create its user and group, install {@code /usr/lib/systemd/system/<name>.service}, enable and
 * start it on install where systemd runs, stop it before an upgrade replaces the files and start
 * it again after the post-install hook, and stop and disable it on removal.
 *
 * @param name the unit name without {@code .service}, e.g. {@code notes-web}
 * @param description the unit's Description=
 * @param command the command it runs: one of the bundle's commands or a console script of the
 *     project, e.g. {@code notes-web}
 * @param arguments the arguments after the command; {@code ${NAME}} in an argument is expanded
 *     by systemd from the environment (the environment file), anything else is literal
 * @param user the user it runs as: {@code root}, or a system user the packages create
 * @param group the user's primary group (created with the user)
 * @param environmentFile a file of {@code NAME=value} lines installed as a configuration file and
 *     read by systemd (EnvironmentFile=)
 * @param stateDirectory the service's writable directory, relative to {@link Layout#stateDir()},
 *     e.g. {@code data}: created on install and owned by the service's user (systemd's
 *     StateDirectory=); files the post-install hook creates there are handed to that user
 * @param workingDirectory an absolute working directory; empty for the state directory
 * @param restart systemd's Restart= policy, one of {@link #RESTART_POLICIES}
 * @param nginx an nginx site proxying to the service, or empty
 * @param launcher the bundle-relative path of the command's launcher ({@code bin/notes-web});
 *     empty as read from pyproject.toml, set by the build pipeline ({@link #resolved})
 * @param where where its command is configured, for the pipeline's error messages
 *     ({@code pyproject.toml:31: [tool.packyard.services[0]].command})
 */
public record Service(
        String name,
        String description,
        String command,
        List<String> arguments,
        String user,
        String group,
        Optional<ConfigFile> environmentFile,
        String stateDirectory,
        Optional<String> workingDirectory,
        String restart,
        Optional<NginxSite> nginx,
        String launcher,
        String where) {

    /** systemd's Restart= values. */
    public static final List<String> RESTART_POLICIES =
            List.of("no", "always", "on-success", "on-failure", "on-abnormal", "on-abort", "on-watchdog");

    public Service {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(command, "command");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(group, "group");
        Objects.requireNonNull(stateDirectory, "stateDirectory");
        Objects.requireNonNull(environmentFile, "environmentFile");
        Objects.requireNonNull(workingDirectory, "workingDirectory");
        Objects.requireNonNull(nginx, "nginx");
        description = description == null ? "" : description;
        arguments = List.copyOf(arguments);
        restart = restart == null ? "on-failure" : restart;
        launcher = launcher == null ? "" : launcher;
        where = where == null ? "" : where;
    }

    /** The unit file's name, e.g. {@code notes-web.service}. */
    public String unitName() {
        return name + ".service";
    }

    /** True when the service runs as root (no user is created). */
    public boolean runsAsRoot() {
        return user.equals("root");
    }

    /** This service with its launcher and nginx static directories resolved against the bundle. */
    public Service resolved(String launcher, Optional<NginxSite> nginx) {
        return new Service(name, description, command, arguments, user, group, environmentFile, stateDirectory,
                workingDirectory, restart, nginx, launcher, where);
    }

    /**
     * An nginx site ({@code server} block) for a web service: requests are proxied to the
     * service on 127.0.0.1, static files are served by nginx from the installed tree.
     *
     * @param serverNames the site's server_name values, e.g. {@code notes.example.org}
     * @param listen the port nginx listens on (IPv4 and IPv6)
     * @param port the port the service listens on at 127.0.0.1
     * @param staticLocations URL prefix (starting and ending with {@code /}) → directory: relative
     *     to site-packages as written in pyproject.toml, relative to the bundle root once the
     *     pipeline resolved it; sorted by prefix
     * @param where where its static locations are configured, for the pipeline's error messages
     */
    public record NginxSite(List<String> serverNames, int listen, int port, Map<String, String> staticLocations,
            String where) {
        public NginxSite {
            serverNames = List.copyOf(serverNames);
            staticLocations = Collections.unmodifiableMap(new TreeMap<>(staticLocations));
            where = where == null ? "" : where;
        }

        public NginxSite withStaticLocations(Map<String, String> resolved) {
            return new NginxSite(serverNames, listen, port, resolved, where);
        }
    }
}

package io.packyard.formats.services;

import io.packyard.bundle.Command;
import io.packyard.bundle.Service;
import io.packyard.python.PackyardException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Checks {@code [[tool.packyard.services]]} against the staged bundle and fills in what only the
 * bundle knows: the launcher each service runs and the directories its nginx site serves.
 */
public final class ServiceResolver {
    private ServiceResolver() {}

    /**
     * @param services the services as read from pyproject.toml
     * @param commands the commands on PATH
     * @param consoleScripts every console script of the installed distributions (their launchers
     *     are in {@code scriptsDir} whether or not they are on PATH)
     * @param scriptsDir the bundle-relative directory of the launchers, e.g. {@code bin}
     * @param purelib the bundle-relative site-packages, e.g. {@code lib/python3.12/site-packages}
     * @param stage the staged bundle's root
     */
    public static List<Service> resolve(List<Service> services, List<Command> commands,
            Collection<String> consoleScripts, String scriptsDir, String purelib, Path stage) {
        List<Service> out = new ArrayList<>();
        for (Service s : services) {
            String launcher = commands.stream().filter(c -> c.name().equals(s.command()) && !c.gui())
                    .map(Command::launcher).findFirst()
                    .orElseGet(() -> consoleScripts.contains(s.command()) ? scriptsDir + "/" + s.command() : null);
            if (launcher == null || !Files.isRegularFile(stage.resolve(launcher))) {
                TreeSet<String> known = new TreeSet<>(consoleScripts);
                commands.stream().filter(c -> !c.gui()).forEach(c -> known.add(c.name()));
                throw PackyardException.config(s.where() + ": '" + s.command() + "' is not one of the application's"
                        + " commands or console scripts (" + (known.isEmpty() ? "it has none" : String.join(", ", known))
                        + ")");
            }
            Optional<Service.NginxSite> nginx = s.nginx().map(site -> {
                Map<String, String> dirs = new LinkedHashMap<>();
                for (Map.Entry<String, String> e : site.staticLocations().entrySet()) {
                    String dir = purelib + "/" + e.getValue();
                    if (!Files.isDirectory(stage.resolve(dir))) {
                        throw PackyardException.config(site.where() + ": '" + e.getValue()
                                + "' is not a directory in site-packages (" + purelib + ") of the bundle");
                    }
                    dirs.put(e.getKey(), dir);
                }
                return site.withStaticLocations(dirs);
            });
            out.add(s.resolved(launcher, nginx));
        }
        return out;
    }
}

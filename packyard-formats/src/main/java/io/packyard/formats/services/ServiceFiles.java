package io.packyard.formats.services;

import io.packyard.bundle.BundleMetadata;
import io.packyard.bundle.ConfigFile;
import io.packyard.bundle.Layout;
import io.packyard.bundle.Service;
import io.packyard.formats.linux.InstallTree;
import io.packyard.python.PackyardException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What services and configuration files add to a Linux package: the systemd units, the
 * configuration files under {@code /etc/<company>/<product>/} (the project's config-files, the
 * services' environment files, the nginx sites), an RPM preset that enables the units, and the
 * accounts the maintainer scripts create.
 */
public final class ServiceFiles {
    /** The package format the files are for. */
    public enum Flavor {
        DEB,
        RPM
    }

    /** Where RPM packages put their preset: {@code systemctl preset} enables the units it names. */
    public static final String PRESET_DIR = "/usr/lib/systemd/system-preset";

    /** A system account the packages create: a user, its primary group, its home (the service's state directory). */
    public record Account(String user, String group, String home, String comment) {}

    private ServiceFiles() {}

    /** True when the bundle installs anything under /etc or any service. */
    public static boolean any(BundleMetadata m) {
        return !m.services().isEmpty() || !m.configFiles().isEmpty();
    }

    /**
     * The nodes to add to the install tree: the directories of the configuration files, the files
     * themselves, the units, and (RPM) the preset.
     *
     * @param packageName the package name (names the preset file)
     */
    public static List<InstallTree.Node> nodes(BundleMetadata m, String packageName, Flavor flavor) {
        Layout layout = m.layout();
        List<InstallTree.Node> out = new ArrayList<>();
        Map<String, ConfigFile> config = configFiles(m);
        boolean sites = m.services().stream().anyMatch(s -> s.nginx().isPresent());
        if (!config.isEmpty() || sites) {
            out.add(InstallTree.Node.directory("/etc/" + layout.companySlug()));
            out.add(InstallTree.Node.directory(layout.configDir()));
        }
        for (ConfigFile f : config.values()) {
            out.add(InstallTree.Node.file(layout.configDir() + "/" + f.name(), f.mode(), read(f)));
        }
        if (sites) {
            out.add(InstallTree.Node.directory(layout.configDir() + "/nginx"));
        }
        for (Service s : m.services()) {
            out.add(InstallTree.Node.file(SystemdUnit.path(s), 0644, bytes(SystemdUnit.render(m, s))));
            if (s.nginx().isPresent()) {
                out.add(InstallTree.Node.file(NginxSite.path(layout, s), 0644, bytes(NginxSite.render(m, s))));
            }
        }
        if (flavor == Flavor.RPM && !m.services().isEmpty()) {
            out.add(InstallTree.Node.file(presetPath(packageName), 0644, bytes(preset(m, packageName))));
        }
        return out;
    }

    /** The installed paths that are configuration files (dpkg conffiles, rpm %config(noreplace)), sorted. */
    public static List<String> conffiles(BundleMetadata m) {
        Layout layout = m.layout();
        List<String> out = new ArrayList<>();
        for (ConfigFile f : configFiles(m).values()) {
            out.add(layout.configDir() + "/" + f.name());
        }
        for (Service s : m.services()) {
            if (s.nginx().isPresent()) {
                out.add(NginxSite.path(layout, s));
            }
        }
        out.sort(InstallTree::comparePaths);
        return out;
    }

    /** Every file installed under the configuration directory, by name: config-files and environment files. */
    static Map<String, ConfigFile> configFiles(BundleMetadata m) {
        Map<String, ConfigFile> out = new TreeMap<>();
        for (ConfigFile f : m.configFiles()) {
            out.put(f.name(), f);
        }
        for (Service s : m.services()) {
            s.environmentFile().ifPresent(f -> {
                ConfigFile other = out.putIfAbsent(f.name(), f);
                if (other != null && !other.source().equals(f.source())) {
                    throw PackyardException.config(f.where() + ": would be installed as " + f.name()
                            + ", like " + other.where());
                }
            });
        }
        return out;
    }

    /** The accounts to create: each non-root user once, in the order the services name them. */
    public static List<Account> accounts(BundleMetadata m) {
        Map<String, Account> out = new LinkedHashMap<>();
        for (Service s : m.services()) {
            if (!s.runsAsRoot()) {
                out.putIfAbsent(s.user(), new Account(s.user(), s.group(),
                        SystemdUnit.stateDirectory(m.layout(), s), m.product().replaceAll("[\\s:]+", " ").strip()));
            }
        }
        return List.copyOf(out.values());
    }

    /** {@code /usr/lib/systemd/system-preset/50-<package>.preset}. */
    public static String presetPath(String packageName) {
        return PRESET_DIR + "/50-" + packageName + ".preset";
    }

    /** The preset: {@code enable <unit>} for each service (an administrator's preset in /etc wins). */
    static String preset(BundleMetadata m, String packageName) {
        StringBuilder p = new StringBuilder("# The services of " + packageName + ", enabled on install"
                + " (override in /etc/systemd/system-preset/).\n");
        for (Service s : m.services()) {
            p.append("enable ").append(s.unitName()).append('\n');
        }
        return p.toString();
    }

    private static byte[] read(ConfigFile f) {
        try {
            return Files.readAllBytes(f.source());
        } catch (IOException e) {
            throw PackyardException.build(f.where() + ": cannot read " + f.source() + ": " + e.getMessage(), e);
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}

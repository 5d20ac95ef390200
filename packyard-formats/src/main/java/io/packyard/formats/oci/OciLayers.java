package io.packyard.formats.oci;

import io.packyard.bundle.Bundle;
import io.packyard.bundle.BundleEntry;
import io.packyard.python.PackyardException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Splits a bundle into the three layers of its image, so that a change to the application's own
 * code rebuilds (and pushes, and pulls) only the top layer:
 *
 * <ol>
 *   <li>{@link Kind#INTERPRETER}: {@code python/} without its site-packages;</li>
 *   <li>{@link Kind#DEPENDENCIES}: site-packages without the project's own files, plus any other
 *       file a dependency's RECORD lists (its scripts, data files);</li>
 *   <li>{@link Kind#APP}: the files of the project's RECORD (found through its
 *       {@code <name>-<version>.dist-info}, matched by the normalized project name), the
 *       dist-info itself, the launchers in {@code bin/}, the hooks, and anything else the bundle
 *       holds.</li>
 * </ol>
 *
 * Each layer lists the directories above its files itself, so it unpacks on its own with the
 * right modes. The split depends only on the bundle's paths and RECORD files, never on the order
 * of a directory listing.
 */
final class OciLayers {

    /** The application's layers, bottom to top. */
    enum Kind {
        INTERPRETER("the Python interpreter"),
        DEPENDENCIES("the dependencies"),
        APP("the application");

        final String description;

        Kind(String description) {
            this.description = description;
        }
    }

    /**
     * The bundle's entries by layer, each list sorted like {@link Bundle#entries()}.
     *
     * @param projectDistInfo bundle-relative path of the project's dist-info, or null when none was found
     */
    record Split(List<BundleEntry> interpreter, List<BundleEntry> dependencies, List<BundleEntry> app,
            String projectDistInfo) {
        List<BundleEntry> of(Kind k) {
            return switch (k) {
                case INTERPRETER -> interpreter;
                case DEPENDENCIES -> dependencies;
                case APP -> app;
            };
        }
    }

    private OciLayers() {}

    static Split split(Bundle bundle) {
        String xy = bundle.metadata().pythonVersion();
        List<String> siteDirs = List.of("python/lib/python" + xy + "/site-packages", "lib/python" + xy + "/site-packages");
        String name = bundle.metadata().name();
        String projectDistInfo = null;
        Set<String> appFiles = new HashSet<>();
        Set<String> depFiles = new HashSet<>();
        for (BundleEntry e : bundle.entries()) {
            String site = parentOf(e.path());
            if (!e.isDirectory() || !e.fileName().endsWith(".dist-info") || !siteDirs.contains(site)) {
                continue;
            }
            boolean own = normalize(distributionName(e.fileName())).equals(name);
            if (own) {
                if (projectDistInfo != null) {
                    throw PackyardException.build("bundle: two dist-info directories of " + name + ": "
                            + projectDistInfo + " and " + e.path());
                }
                projectDistInfo = e.path();
            }
            Set<String> into = own ? appFiles : depFiles;
            into.addAll(recordFiles(bundle, site, e.path()));
        }
        // a directory with contents goes into every layer that has some of them (as the parent of
        // its entries); only an empty directory is placed by its own path
        Set<String> parents = new HashSet<>();
        for (BundleEntry e : bundle.entries()) {
            parents.add(parentOf(e.path()));
        }
        List<BundleEntry> interpreter = new ArrayList<>();
        List<BundleEntry> deps = new ArrayList<>();
        List<BundleEntry> app = new ArrayList<>();
        for (BundleEntry e : bundle.entries()) {
            if (e.isDirectory() && parents.contains(e.path())) {
                continue;
            }
            Kind k = classify(e.path(), siteDirs, projectDistInfo, appFiles, depFiles);
            (k == Kind.INTERPRETER ? interpreter : k == Kind.DEPENDENCIES ? deps : app).add(e);
        }
        return new Split(interpreter, deps, app, projectDistInfo);
    }

    private static Kind classify(String path, List<String> siteDirs, String projectDistInfo, Set<String> appFiles,
            Set<String> depFiles) {
        if (projectDistInfo != null && (path.equals(projectDistInfo) || path.startsWith(projectDistInfo + "/"))) {
            return Kind.APP;
        }
        if (appFiles.contains(path)) {
            return Kind.APP;
        }
        if (depFiles.contains(path)) {
            return Kind.DEPENDENCIES;
        }
        for (String site : siteDirs) {
            if (path.startsWith(site + "/")) {
                return Kind.DEPENDENCIES;
            }
        }
        if (path.equals("python") || path.startsWith("python/")) {
            return Kind.INTERPRETER;
        }
        return Kind.APP;
    }

    /** The bundle paths RECORD lists, resolved against the site-packages directory it was installed into. */
    private static Set<String> recordFiles(Bundle bundle, String site, String distInfo) {
        Set<String> out = new HashSet<>();
        java.nio.file.Path record = bundle.root().resolve(distInfo).resolve("RECORD");
        if (!Files.isRegularFile(record)) {
            return out;
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(record, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw PackyardException.build("bundle: cannot read " + distInfo + "/RECORD: " + e.getMessage(), e);
        }
        for (String line : lines) {
            String p = firstCsvField(line);
            if (p.isEmpty()) {
                continue;
            }
            String resolved = resolve(site, p);
            if (resolved != null) {
                out.add(resolved);
            }
        }
        return out;
    }

    /** The first field of a CSV row (RECORD paths may be quoted when they hold a comma). */
    static String firstCsvField(String line) {
        if (!line.startsWith("\"")) {
            int comma = line.indexOf(',');
            return comma < 0 ? line : line.substring(0, comma);
        }
        StringBuilder b = new StringBuilder();
        for (int i = 1; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '"') {
                if (i + 1 < line.length() && line.charAt(i + 1) == '"') {
                    b.append('"');
                    i++;
                } else {
                    break;
                }
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    /** {@code base/rel} with "." and ".." resolved; null when it leaves the bundle or is absolute. */
    static String resolve(String base, String rel) {
        if (rel.startsWith("/") || rel.matches("^[A-Za-z]:.*")) {
            return null;
        }
        List<String> parts = new ArrayList<>(List.of(base.split("/")));
        for (String s : rel.replace('\\', '/').split("/")) {
            if (s.isEmpty() || s.equals(".")) {
                continue;
            }
            if (s.equals("..")) {
                if (parts.isEmpty()) {
                    return null;
                }
                parts.remove(parts.size() - 1);
            } else {
                parts.add(s);
            }
        }
        return parts.isEmpty() ? null : String.join("/", parts);
    }

    private static String parentOf(String path) {
        int slash = path.lastIndexOf('/');
        return slash < 0 ? "" : path.substring(0, slash);
    }

    /** {@code hello_cli-1.0.0.dist-info} → {@code hello_cli}. */
    private static String distributionName(String distInfoDir) {
        String stem = distInfoDir.substring(0, distInfoDir.length() - ".dist-info".length());
        int dash = stem.indexOf('-');
        return dash < 0 ? stem : stem.substring(0, dash);
    }

    private static String normalize(String name) {
        return name.toLowerCase(Locale.ROOT).replaceAll("[-_.]+", "-");
    }
}

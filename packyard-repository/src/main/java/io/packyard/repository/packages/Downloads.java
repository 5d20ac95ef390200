package io.packyard.repository.packages;

import io.packyard.repository.apt.DebianVersions;
import io.packyard.repository.yum.RpmVersions;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The "latest download" model: from every published package file, the newest version per
 * project (package name), repository, channel, format and platform, with size and SHA-256 —
 * what a downloads page lists ("Acme Notes 2.1 for Linux x86_64: .deb 41 MB, .rpm 42 MB").
 * Versions compare as their format orders them (dpkg for .deb, rpm for .rpm, PEP 440 for
 * .msi, .zip and .tar.gz downloads).
 */
public final class Downloads {
    private Downloads() {}

    /** One row of the downloads page. */
    public record Download(
            String project, String repository, String channel, String platform, String format, PublishedPackage file) {
        public String version() {
            return file.version();
        }

        public long size() {
            return file.size();
        }

        public String sha256() {
            return file.sha256();
        }

        /** The path to link to (below the server root). */
        public String path() {
            return file.path();
        }
    }

    /**
     * The newest file per (project, repository, channel, platform, format), sorted by project,
     * repository, channel, platform and format.
     */
    public static List<Download> latest(Collection<PublishedPackage> files) {
        Map<String, PublishedPackage> best = new TreeMap<>();
        for (PublishedPackage p : files) {
            String key = String.join("\u0000", p.name(), p.repository(), p.channel(), p.platform(), p.format());
            PublishedPackage current = best.get(key);
            if (current == null || compare(p, current) > 0) {
                best.put(key, p);
            }
        }
        List<Download> out = new ArrayList<>();
        for (PublishedPackage p : best.values()) {
            out.add(new Download(p.name(), p.repository(), p.channel(), p.platform(), p.format(), p));
        }
        out.sort(Comparator.comparing(Download::project).thenComparing(Download::repository).thenComparing(Download::channel)
                .thenComparing(Download::platform).thenComparing(Download::format));
        return out;
    }

    /** Version order within one format; the later publication wins a tie (a different architecture spelling). */
    static int compare(PublishedPackage a, PublishedPackage b) {
        int c = switch (a.format()) {
            case "deb" -> DebianVersions.compare(a.version(), b.version());
            case "rpm" -> RpmVersions.compareEvr(a.version(), b.version());
            default -> {
                var va = io.packyard.python.version.Version.tryParse(a.version());
                var vb = io.packyard.python.version.Version.tryParse(b.version());
                yield va.isPresent() && vb.isPresent() ? va.get().compareTo(vb.get()) : 0;
            }
        };
        return c != 0 ? c : a.published().compareTo(b.published());
    }
}

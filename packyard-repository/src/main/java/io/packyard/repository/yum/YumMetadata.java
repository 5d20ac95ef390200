package io.packyard.repository.yum;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The package elements of primary.xml, filelists.xml and other.xml, written the way createrepo_c
 * (0.17–1.x) writes them, field for field:
 *
 * <ul>
 * <li>primary lists the files dnf resolves file dependencies against without loading
 * filelists: paths starting with {@code /etc/}, containing {@code bin/} (so {@code /usr/bin},
 * {@code /usr/sbin}, {@code /opt/x/bin}) and {@code /usr/lib/sendmail} — Eclipse Packager's
 * repository writer leaves these out;</li>
 * <li>requires leave out {@code rpmlib(...)}, file requires on the package's own primary files,
 * requires identical to one of its provides and repeated requires, keep only the highest
 * {@code libc.so.6(...)} requirement (last), and mark prerequisites {@code pre="1"};</li>
 * <li>other.xml has the newest {@code changelogLimit} changelog entries, oldest first, equal
 * timestamps made distinct by adding seconds to the newer ones.</li>
 * </ul>
 */
final class YumMetadata {
    static final String COMMON_NS = "http://linux.duke.edu/metadata/common";
    static final String RPM_NS = "http://linux.duke.edu/metadata/rpm";
    static final String FILELISTS_NS = "http://linux.duke.edu/metadata/filelists";
    static final String OTHER_NS = "http://linux.duke.edu/metadata/other";
    static final String REPO_NS = "http://linux.duke.edu/metadata/repo";

    private YumMetadata() {}

    /** createrepo_c's cr_is_primary. */
    static boolean isPrimaryFile(String path) {
        return path.startsWith("/etc/") || path.equals("/usr/lib/sendmail") || path.contains("bin/");
    }

    /** The {@code <package>} element of primary.xml. */
    static String primary(RpmPackage p, String locationHref, long fileTime) {
        StringBuilder sb = new StringBuilder();
        sb.append("<package type=\"rpm\">\n");
        sb.append("  <name>").append(text(p.name())).append("</name>\n");
        sb.append("  <arch>").append(text(p.arch())).append("</arch>\n");
        sb.append("  <version epoch=\"").append(p.epoch() == null ? 0 : p.epoch()).append("\" ver=\"").append(attr(p.version()))
                .append("\" rel=\"").append(attr(p.release())).append("\"/>\n");
        sb.append("  <checksum type=\"sha256\" pkgid=\"YES\">").append(p.sha256()).append("</checksum>\n");
        sb.append("  <summary>").append(text(p.summary())).append("</summary>\n");
        sb.append("  <description>").append(text(p.description())).append("</description>\n");
        sb.append("  <packager>").append(text(p.packager())).append("</packager>\n");
        sb.append("  <url>").append(text(p.url())).append("</url>\n");
        sb.append("  <time file=\"").append(fileTime).append("\" build=\"").append(p.buildTime()).append("\"/>\n");
        sb.append("  <size package=\"").append(p.size()).append("\" installed=\"").append(p.installedSize())
                .append("\" archive=\"").append(p.archiveSize()).append("\"/>\n");
        sb.append("  <location href=\"").append(attr(locationHref)).append("\"/>\n");
        sb.append("  <format>\n");
        sb.append("    <rpm:license>").append(text(p.license())).append("</rpm:license>\n");
        sb.append("    <rpm:vendor>").append(text(p.vendor())).append("</rpm:vendor>\n");
        sb.append("    <rpm:group>").append(text(p.group())).append("</rpm:group>\n");
        sb.append("    <rpm:buildhost>").append(text(p.buildHost())).append("</rpm:buildhost>\n");
        sb.append("    <rpm:sourcerpm>").append(text(p.sourceRpm())).append("</rpm:sourcerpm>\n");
        sb.append("    <rpm:header-range start=\"").append(p.headerStart()).append("\" end=\"").append(p.headerEnd()).append("\"/>\n");
        dependencies(sb, "rpm:provides", clean(p.provides()), false);
        dependencies(sb, "rpm:requires", primaryRequires(p), true);
        dependencies(sb, "rpm:conflicts", clean(p.conflicts()), false);
        dependencies(sb, "rpm:obsoletes", clean(p.obsoletes()), false);
        dependencies(sb, "rpm:suggests", clean(p.suggests()), false);
        dependencies(sb, "rpm:enhances", clean(p.enhances()), false);
        dependencies(sb, "rpm:recommends", clean(p.recommends()), false);
        dependencies(sb, "rpm:supplements", clean(p.supplements()), false);
        for (RpmPackage.RpmFile f : p.files()) {
            if (isPrimaryFile(f.path())) {
                file(sb, "    ", f);
            }
        }
        sb.append("  </format>\n");
        sb.append("</package>\n");
        return sb.toString();
    }

    /** The {@code <package>} element of filelists.xml: every file. */
    static String filelists(RpmPackage p) {
        StringBuilder sb = new StringBuilder();
        sb.append("<package pkgid=\"").append(p.sha256()).append("\" name=\"").append(attr(p.name()))
                .append("\" arch=\"").append(attr(p.arch())).append("\">\n");
        version(sb, p);
        for (RpmPackage.RpmFile f : p.files()) {
            file(sb, "  ", f);
        }
        sb.append("</package>\n");
        return sb.toString();
    }

    /** The {@code <package>} element of other.xml: the changelog. */
    static String other(RpmPackage p, int changelogLimit) {
        StringBuilder sb = new StringBuilder();
        sb.append("<package pkgid=\"").append(p.sha256()).append("\" name=\"").append(attr(p.name()))
                .append("\" arch=\"").append(attr(p.arch())).append("\">\n");
        version(sb, p);
        for (Changelog c : changelog(p.changelogs(), changelogLimit)) {
            sb.append("  <changelog author=\"").append(attr(c.author)).append("\" date=\"").append(c.date).append("\">")
                    .append(text(c.text)).append("</changelog>\n");
        }
        sb.append("</package>\n");
        return sb.toString();
    }

    static String primaryDocument(List<String> packages) {
        return document("<metadata xmlns=\"" + COMMON_NS + "\" xmlns:rpm=\"" + RPM_NS + "\" packages=\"" + packages.size() + "\">",
                "</metadata>", packages);
    }

    static String filelistsDocument(List<String> packages) {
        return document("<filelists xmlns=\"" + FILELISTS_NS + "\" packages=\"" + packages.size() + "\">", "</filelists>", packages);
    }

    static String otherDocument(List<String> packages) {
        return document("<otherdata xmlns=\"" + OTHER_NS + "\" packages=\"" + packages.size() + "\">", "</otherdata>", packages);
    }

    private static String document(String open, String close, List<String> packages) {
        StringBuilder sb = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n").append(open).append('\n');
        packages.forEach(sb::append);
        return sb.append(close).append('\n').toString();
    }

    /** One {@code <data>} of repomd.xml. */
    record RepomdData(String type, String checksum, String openChecksum, String href, long timestamp, long size, long openSize) {}

    static String repomd(long revision, List<RepomdData> data) {
        StringBuilder sb = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        sb.append("<repomd xmlns=\"").append(REPO_NS).append("\" xmlns:rpm=\"").append(RPM_NS).append("\">\n");
        sb.append("  <revision>").append(revision).append("</revision>\n");
        for (RepomdData d : data) {
            sb.append("  <data type=\"").append(d.type()).append("\">\n");
            sb.append("    <checksum type=\"sha256\">").append(d.checksum()).append("</checksum>\n");
            sb.append("    <open-checksum type=\"sha256\">").append(d.openChecksum()).append("</open-checksum>\n");
            sb.append("    <location href=\"").append(attr(d.href())).append("\"/>\n");
            sb.append("    <timestamp>").append(d.timestamp()).append("</timestamp>\n");
            sb.append("    <size>").append(d.size()).append("</size>\n");
            sb.append("    <open-size>").append(d.openSize()).append("</open-size>\n");
            sb.append("  </data>\n");
        }
        sb.append("</repomd>\n");
        return sb.toString();
    }

    // --- dependencies -------------------------------------------------------------------------

    /** A dependency as primary.xml writes it: the version split into epoch, ver, rel. */
    record Dep(String name, String flags, String epoch, String ver, String rel, boolean pre) {}

    /** cr_str_to_evr: epoch before ':' (default "0"), version up to the first '-', release after it. */
    static String[] splitEvr(String s) {
        String epoch = null;
        String rest = s;
        int colon = s.indexOf(':');
        if (colon >= 0) {
            String e = s.substring(0, colon);
            if (!e.chars().allMatch(Character::isDigit)) {
                return null; // createrepo_c skips a dependency with a non-numeric epoch
            }
            epoch = e.isEmpty() ? null : e;
            rest = s.substring(colon + 1);
        }
        if (epoch == null) {
            epoch = "0";
        }
        int dash = rest.indexOf('-');
        String ver = dash >= 0 ? rest.substring(0, dash) : rest;
        String rel = dash >= 0 ? rest.substring(dash + 1) : "";
        return new String[] {epoch, ver, rel};
    }

    private static Dep dep(RpmPackage.RpmDependency d, boolean pre) {
        String[] evr = splitEvr(d.version() == null ? "" : d.version());
        if (evr == null) {
            return null;
        }
        return new Dep(d.name(), d.comparison(), evr[0], evr[1], evr[2], pre);
    }

    private static List<Dep> clean(List<RpmPackage.RpmDependency> list) {
        List<Dep> out = new ArrayList<>();
        for (RpmPackage.RpmDependency d : list) {
            if (d.name().isEmpty()) {
                continue;
            }
            Dep x = dep(d, false);
            if (x != null) {
                out.add(x);
            }
        }
        return out;
    }

    /** createrepo_c's requires filtering (cr_package_from_header). */
    static List<Dep> primaryRequires(RpmPackage p) {
        Set<String> files = new HashSet<>();
        p.files().forEach(f -> files.add(f.path()));
        Set<String> provided = new HashSet<>();
        for (RpmPackage.RpmDependency d : p.provides()) {
            provided.add(d.name() + Objects.toString(d.comparison(), "") + Objects.toString(d.version(), ""));
        }
        record Seen(String flags, String version, boolean pre) {}
        Map<String, Seen> seen = new HashMap<>();
        List<Dep> out = new ArrayList<>();
        Dep libc = null;
        for (RpmPackage.RpmDependency d : p.requires()) {
            String name = d.name();
            String flags = d.comparison();
            String version = d.version() == null ? "" : d.version();
            if (d.rpmlib()) {
                continue;
            }
            if (name.startsWith("/") && files.contains(name) && isPrimaryFile(name)) {
                continue;
            }
            if (provided.contains(name + Objects.toString(flags, "") + version)) {
                continue;
            }
            boolean pre = d.pre();
            Seen s = seen.get(name);
            if (s != null && Objects.equals(s.flags(), flags) && s.version().equals(version) && s.pre() == pre) {
                continue;
            }
            Dep x = dep(d, pre);
            if (x == null || name.isEmpty()) {
                continue;
            }
            if (name.startsWith("libc.so.6")) {
                if (libc == null || compareLibc(libc.name(), name) == 2) {
                    libc = x;
                }
                continue;
            }
            out.add(x);
            seen.put(name, new Seen(flags, version, pre));
        }
        if (libc != null) {
            out.add(libc);
        }
        return out;
    }

    /** cr_compare_dependency for libc.so.6 requirements: 0 same, 1 first bigger, 2 second bigger. */
    static int compareLibc(String a, String b) {
        if (a.equals(b)) {
            return 0;
        }
        int pa = a.indexOf('(');
        int pb = b.indexOf('(');
        if (pa < 0 && pb < 0) {
            return 0;
        }
        if (pa < 0) {
            return 2;
        }
        if (pb < 0) {
            return 1;
        }
        int ea = a.indexOf(')', pa);
        int eb = b.indexOf(')', pb);
        if (ea < 0 && eb < 0) {
            return 0;
        }
        if (ea < 0) {
            return 2;
        }
        if (eb < 0) {
            return 1;
        }
        pa++;
        pb++;
        if (pa == ea && pb == eb) {
            return 0;
        }
        if (pa == ea) {
            return 2;
        }
        if (pb == eb) {
            return 1;
        }
        while (pa < a.length() && !Character.isDigit(a.charAt(pa))) {
            pa++;
        }
        while (pb < b.length() && !Character.isDigit(b.charAt(pb))) {
            pb++;
        }
        if (pa > ea && pb > eb) {
            return 0;
        }
        if (pa > ea) {
            return 2;
        }
        if (pb > eb) {
            return 1;
        }
        int c = RpmVersions.rpmvercmp(a.substring(pa, Math.max(pa, ea)), b.substring(pb, Math.max(pb, eb)));
        return c == -1 ? 2 : c;
    }

    private static void dependencies(StringBuilder sb, String element, List<Dep> deps, boolean requires) {
        if (deps.isEmpty()) {
            return;
        }
        sb.append("    <").append(element).append(">\n");
        for (Dep d : deps) {
            sb.append("      <rpm:entry name=\"").append(attr(d.name())).append('"');
            if (d.flags() != null) {
                sb.append(" flags=\"").append(d.flags()).append('"');
                if (!d.epoch().isEmpty()) {
                    sb.append(" epoch=\"").append(attr(d.epoch())).append('"');
                }
                if (!d.ver().isEmpty()) {
                    sb.append(" ver=\"").append(attr(d.ver())).append('"');
                }
                if (!d.rel().isEmpty()) {
                    sb.append(" rel=\"").append(attr(d.rel())).append('"');
                }
            }
            if (requires && d.pre()) {
                sb.append(" pre=\"1\"");
            }
            sb.append("/>\n");
        }
        sb.append("    </").append(element).append(">\n");
    }

    // --- files, changelog, escaping -----------------------------------------------------------

    private static void file(StringBuilder sb, String indent, RpmPackage.RpmFile f) {
        sb.append(indent).append("<file");
        switch (f.kind()) {
            case DIR -> sb.append(" type=\"dir\"");
            case GHOST -> sb.append(" type=\"ghost\"");
            case FILE -> { }
        }
        sb.append('>').append(text(f.path())).append("</file>\n");
    }

    private static void version(StringBuilder sb, RpmPackage p) {
        sb.append("  <version epoch=\"").append(p.epoch() == null ? 0 : p.epoch()).append("\" ver=\"").append(attr(p.version()))
                .append("\" rel=\"").append(attr(p.release())).append("\"/>\n");
    }

    private static final class Changelog {
        final String author;
        long date;
        final String text;

        Changelog(String author, long date, String text) {
            this.author = author;
            this.date = date;
            this.text = text;
        }
    }

    private static List<Changelog> changelog(List<RpmPackage.RpmChangelog> entries, int limit) {
        List<Changelog> list = new ArrayList<>();
        long lastTime = 0;
        int taken = 0;
        for (RpmPackage.RpmChangelog e : entries) {
            if (limit >= 0 && taken >= limit) {
                break;
            }
            String author = e.author();
            int end = author.length();
            while (end > 1 && author.charAt(end - 1) == ' ') {
                end--;
            }
            list.add(0, new Changelog(author.substring(0, end), e.time(), e.text()));
            taken++;
            if (lastTime == e.time()) {
                long t = e.time();
                for (int j = 1; j < list.size() && list.get(j).date == t; j++) {
                    list.get(j).date++;
                    t++;
                }
            } else {
                lastTime = e.time();
            }
        }
        return list;
    }

    /** Character data: &amp;, &lt;, &gt; escaped; characters XML 1.0 forbids dropped. */
    static String text(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder sb = new StringBuilder(s.length());
        s.codePoints().forEach(c -> {
            switch (c) {
                case '&' -> sb.append("&amp;");
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                default -> {
                    if (allowed(c)) {
                        sb.appendCodePoint(c);
                    }
                }
            }
        });
        return sb.toString();
    }

    /** Attribute values (in double quotes): also '"' and the whitespace characters a parser would normalize. */
    static String attr(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder sb = new StringBuilder(s.length());
        s.codePoints().forEach(c -> {
            switch (c) {
                case '&' -> sb.append("&amp;");
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '"' -> sb.append("&quot;");
                case '\n' -> sb.append("&#10;");
                case '\r' -> sb.append("&#13;");
                case '\t' -> sb.append("&#9;");
                default -> {
                    if (allowed(c)) {
                        sb.appendCodePoint(c);
                    }
                }
            }
        });
        return sb.toString();
    }

    private static boolean allowed(int c) {
        return c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF) || (c >= 0xE000 && c <= 0xFFFD) || (c >= 0x10000 && c <= 0x10FFFF);
    }
}

package io.packyard.formats.deb;

import io.packyard.bundle.BundleMetadata;
import io.packyard.formats.linux.InstallTree;
import io.packyard.formats.linux.PackageText;
import io.packyard.python.PackyardException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/** The {@code control} file of a binary package (Debian Policy 5.3, 5.6). */
final class DebControl {
    private static final Pattern PACKAGE_NAME = Pattern.compile("[a-z0-9][a-z0-9+.-]+");
    /** Width the extended description is wrapped to, as lintian and apt expect. */
    private static final int WIDTH = 79;

    private DebControl() {}

    /** The package name: the bundle's normalized project name, checked against Policy 5.6.1. */
    static String packageName(BundleMetadata m) {
        String name = m.name();
        if (!PACKAGE_NAME.matcher(name).matches()) {
            throw PackyardException.config("[project].name: '" + name
                    + "' is not a valid Debian package name (at least 2 characters of a-z, 0-9, +, -, ."
                    + " starting with a letter or digit)");
        }
        return name;
    }

    static String architecture(io.packyard.bundle.Target target) {
        return switch (target) {
            case LINUX_X86_64 -> "amd64";
            case LINUX_AARCH64 -> "arm64";
            default -> throw new IllegalArgumentException("no Debian architecture for " + target);
        };
    }

    /**
     * Depends: what the bundle needs from the system: the shared libraries its ELF files link
     * ({@link DebShlibs}, when dpkg-shlibdeps can run; else {@code libc6 (>= 2.17)}, the
     * python-build-standalone floor), python3 of the right X.Y for a system interpreter, and
     * [tool.packyard.deb].depends.
     */
    static List<String> depends(BundleMetadata m, java.util.Optional<List<String>> shlibs) {
        Set<String> out = new LinkedHashSet<>();
        if (shlibs.isPresent()) {
            out.addAll(shlibs.get());
        } else if (m.bundledInterpreter()) {
            out.add("libc6 (>= 2.17)");
        }
        if (!m.bundledInterpreter()) {
            String[] xy = m.pythonVersion().split("\\.");
            if (xy.length < 2) {
                throw PackyardException.build("bundle: python version '" + m.pythonVersion() + "' is not X.Y");
            }
            int minor = Integer.parseInt(xy[1]);
            // The application's site-packages and bytecode are for exactly this X.Y.
            out.add("python3 (>= " + xy[0] + "." + minor + "~)");
            out.add("python3 (<< " + xy[0] + "." + (minor + 1) + ")");
        }
        for (String d : m.debDepends()) {
            String t = d.strip();
            if (t.isEmpty() || t.contains("\n") || t.contains(",")) {
                throw PackyardException.config("[tool.packyard.deb].depends: '" + d
                        + "' must be one dependency (alternatives with |), without commas or line breaks");
            }
            out.add(t);
        }
        return new ArrayList<>(out);
    }

    /** Installed-Size in KiB the way dpkg-gencontrol counts it: files rounded up, 1 per other node. */
    static long installedSizeKiB(InstallTree tree) {
        long kib = 0;
        for (InstallTree.Node n : tree.nodes()) {
            if (n.isFile()) {
                kib += (n.size() + 1023) / 1024;
            } else if (n.isSymlink()) {
                kib += (n.linkTarget().getBytes(java.nio.charset.StandardCharsets.UTF_8).length + 1023) / 1024;
            } else {
                kib += 1;
            }
        }
        return kib;
    }

    static String render(BundleMetadata m, String packageName, DebianVersion version, InstallTree tree) {
        return render(m, packageName, version, tree, java.util.Optional.empty());
    }

    static String render(BundleMetadata m, String packageName, DebianVersion version, InstallTree tree,
            java.util.Optional<List<String>> shlibs) {
        StringBuilder s = new StringBuilder();
        field(s, "Package", packageName);
        field(s, "Version", version.toString());
        field(s, "Architecture", architecture(m.target()));
        field(s, "Maintainer", oneLine(m.maintainer()));
        field(s, "Installed-Size", Long.toString(installedSizeKiB(tree)));
        List<String> depends = depends(m, shlibs);
        if (!depends.isEmpty()) {
            field(s, "Depends", String.join(", ", depends));
        }
        field(s, "Section", "misc");
        field(s, "Priority", "optional");
        if (!m.homepage().isBlank()) {
            field(s, "Homepage", oneLine(m.homepage()));
        }
        s.append("Description: ").append(synopsis(m)).append('\n');
        s.append(extendedDescription(PackageText.description(m)));
        return s.toString();
    }

    private static void field(StringBuilder s, String name, String value) {
        s.append(name).append(": ").append(value).append('\n');
    }

    static String synopsis(BundleMetadata m) {
        return PackageText.summary(m);
    }

    /**
     * The extended description: each line indented by one space, empty lines as " .", tabs
     * expanded, lines that start with text wrapped at {@value #WIDTH} columns; lines that start
     * with white space stay as they are (apt shows them verbatim). A line that would start with
     * {@code " ."} and more (such as a README's {@code ...}) gets a second space: Policy 5.6.13
     * reserves those lines, and lintian reports them as invalid control statements.
     */
    static String extendedDescription(String description) {
        String text = description.replace("\r\n", "\n").replace('\r', '\n');
        List<String> lines = new ArrayList<>();
        for (String line : text.split("\n", -1)) {
            line = expandTabs(line).stripTrailing();
            if (line.isEmpty() || line.equals(".")) {
                lines.add("");
            } else if (Character.isWhitespace(line.charAt(0))) {
                lines.add(line);
            } else {
                lines.addAll(wrap(line));
            }
        }
        while (!lines.isEmpty() && lines.get(0).isEmpty()) {
            lines.remove(0);
        }
        while (!lines.isEmpty() && lines.get(lines.size() - 1).isEmpty()) {
            lines.remove(lines.size() - 1);
        }
        StringBuilder s = new StringBuilder();
        for (String line : lines) {
            s.append(line.isEmpty() ? " ." : line.startsWith(".") ? "  " + line : " " + line).append('\n');
        }
        return s.toString();
    }

    private static List<String> wrap(String line) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        for (String word : line.split(" +")) {
            if (!cur.isEmpty() && cur.length() + 1 + word.length() > WIDTH - 1) {
                out.add(cur.toString());
                cur.setLength(0);
            }
            if (!cur.isEmpty()) {
                cur.append(' ');
            }
            cur.append(word);
        }
        if (!cur.isEmpty()) {
            out.add(cur.toString());
        }
        return out;
    }

    private static String expandTabs(String line) {
        if (line.indexOf('\t') < 0) {
            return line;
        }
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '\t') {
                do {
                    s.append(' ');
                } while (s.length() % 8 != 0);
            } else {
                s.append(c);
            }
        }
        return s.toString();
    }

    static String oneLine(String s) {
        return s == null ? "" : s.replaceAll("\\s+", " ").strip();
    }
}

package io.packyard.formats.linux;

import io.packyard.bundle.Bundle;
import io.packyard.bundle.BundleEntry;
import io.packyard.bundle.BundleMetadata;
import io.packyard.bundle.Command;
import io.packyard.bundle.Layout;
import io.packyard.python.PackyardException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The files a Linux package installs, with absolute paths: the bundle under
 * {@link Layout#installPrefix()}, the {@code /usr/bin} links of its commands, the parent
 * directories, and any extra files a format adds (a Debian copyright file, say). Sorted so that
 * every directory comes before its contents and siblings are in byte order, which makes archives
 * reproducible and lets package managers create parents first.
 */
public final class InstallTree {

    /** One node to install. {@code path} is absolute, without a trailing slash. */
    public record Node(String path, BundleEntry.Kind kind, int mode, Path source, byte[] content, String linkTarget,
            long size) {

        public Node {
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(kind, "kind");
        }

        public static Node directory(String path) {
            return new Node(path, BundleEntry.Kind.DIRECTORY, 0755, null, null, null, 0);
        }

        public static Node symlink(String path, String target) {
            return new Node(path, BundleEntry.Kind.SYMLINK, 0777, null, null, target, 0);
        }

        /** A generated file whose bytes are in memory. */
        public static Node file(String path, int mode, byte[] content) {
            return new Node(path, BundleEntry.Kind.FILE, mode, null, content.clone(), null, content.length);
        }

        public boolean isDirectory() {
            return kind == BundleEntry.Kind.DIRECTORY;
        }

        public boolean isFile() {
            return kind == BundleEntry.Kind.FILE;
        }

        public boolean isSymlink() {
            return kind == BundleEntry.Kind.SYMLINK;
        }

        /** The path without its leading slash, e.g. {@code opt/acme/notes/bin/notes}. */
        public String relativePath() {
            return path.substring(1);
        }
    }

    private static final Pattern COMMAND_NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.+-]*");

    private final List<Node> nodes;

    private InstallTree(List<Node> nodes) {
        this.nodes = List.copyOf(nodes);
    }

    public List<Node> nodes() {
        return nodes;
    }

    /** Sum of the sizes of the regular files. */
    public long fileBytes() {
        return nodes.stream().filter(Node::isFile).mapToLong(Node::size).sum();
    }

    /**
     * The tree of a bundle.
     *
     * @param bundle the staged application
     * @param ownedFrom the first directory of the prefix chain the package owns, e.g.
     *     {@code /opt/acme}; every directory from it down to the prefix is listed
     * @param listAllParents true to list every parent directory up to {@code /} as well (a .deb
     *     lists them all, dpkg counts references to shared directories); false to leave the
     *     parents outside the owned chain unlisted (an .rpm: the filesystem package owns
     *     {@code /opt} and {@code /usr/bin})
     * @param extra further nodes the format adds (a copyright file, say)
     */
    public static InstallTree of(Bundle bundle, String ownedFrom, boolean listAllParents, List<Node> extra) {
        BundleMetadata m = bundle.metadata();
        Layout layout = checkedLayout(m);
        String prefix = layout.installPrefix();
        Map<String, Node> byPath = new HashMap<>();
        List<Node> out = new ArrayList<>();
        java.util.function.Consumer<Node> add = n -> {
            checkPath(n.path());
            Node old = byPath.putIfAbsent(n.path(), n);
            if (old != null) {
                if (old.isDirectory() && n.isDirectory()) {
                    return;
                }
                throw PackyardException.build("package: two entries for " + n.path());
            }
            out.add(n);
        };
        if (!prefix.startsWith(ownedFrom + "/") && !prefix.equals(ownedFrom)) {
            throw new IllegalArgumentException(ownedFrom + " is not a parent of " + prefix);
        }
        for (String dir = prefix; dir.length() >= ownedFrom.length(); dir = dir.substring(0, dir.lastIndexOf('/'))) {
            add.accept(Node.directory(dir));
            if (dir.equals(ownedFrom)) {
                break;
            }
        }
        Map<String, BundleEntry> entries = new HashMap<>();
        for (BundleEntry e : bundle.entries()) {
            entries.put(e.path(), e);
            String path = prefix + "/" + e.path();
            switch (e.kind()) {
                case DIRECTORY -> add.accept(Node.directory(path));
                case SYMLINK -> add.accept(Node.symlink(path, e.linkTarget()));
                case FILE -> add.accept(new Node(path, e.kind(), e.mode() & 07777, e.source(), null, null, e.size()));
            }
        }
        for (Command c : m.commands()) {
            if (!COMMAND_NAME.matcher(c.name()).matches()) {
                throw PackyardException.config("[tool.packyard].scripts: '" + c.name()
                        + "' cannot be a command name in " + layout.binDir());
            }
            BundleEntry launcher = entries.get(c.launcher());
            if (launcher == null || launcher.isDirectory()) {
                throw PackyardException.build("command " + c.name() + ": launcher " + c.launcher()
                        + " is not a file in the bundle");
            }
            if (launcher.isFile() && !launcher.isExecutable()) {
                throw PackyardException.build("command " + c.name() + ": launcher " + c.launcher()
                        + " is not executable");
            }
            add.accept(Node.symlink(layout.binDir() + "/" + c.name(), prefix + "/" + c.launcher()));
        }
        for (String hook : new String[] {m.postInstallHook(), m.preUninstallHook()}) {
            if (hook != null) {
                BundleEntry h = entries.get(hook);
                if (h == null || h.isDirectory()) {
                    throw PackyardException.build("hook " + hook + " is not a file in the bundle");
                }
                if (h.isFile() && !h.isExecutable()) {
                    throw PackyardException.build("hook " + hook + " is not executable");
                }
            }
        }
        for (Node n : extra) {
            add.accept(n);
        }
        if (listAllParents) {
            for (Node n : List.copyOf(out)) {
                for (String p = parent(n.path()); p != null && !byPath.containsKey(p); p = parent(p)) {
                    Node d = Node.directory(p);
                    byPath.put(p, d);
                    out.add(d);
                }
            }
        }
        out.sort(Comparator.comparing(Node::path, InstallTree::comparePaths));
        return new InstallTree(out);
    }

    /**
     * The layout of a bundle, checked so that maintainer scripts may safely remove its
     * directories: company and product slugs must be non-empty path segments.
     */
    public static Layout checkedLayout(BundleMetadata m) {
        Layout layout = m.layout();
        if (layout.companySlug().isEmpty() || !layout.companySlug().matches("[a-z0-9][a-z0-9-]*")) {
            throw PackyardException.config("[tool.packyard].company: '" + m.company()
                    + "' gives no usable directory name (need letters or digits)");
        }
        if (layout.productSlug().isEmpty() || !layout.productSlug().matches("[a-z0-9][a-z0-9-]*")) {
            throw PackyardException.config("[tool.packyard].product: '" + m.product()
                    + "' gives no usable directory name (need letters or digits)");
        }
        return layout;
    }

    private static void checkPath(String path) {
        if (!path.startsWith("/")) {
            throw new IllegalArgumentException("not absolute: " + path);
        }
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c == '\n' || c == '\r' || c == 0) {
                throw PackyardException.build("bundle: file name with a line break or NUL cannot be packaged: "
                        + path.replace("\n", "\\n").replace("\r", "\\r").replace("\0", "\\0"));
            }
        }
        if (path.length() > 1 && (path.endsWith("/") || path.contains("//")
                || Arrays.asList(path.split("/")).contains("..") || Arrays.asList(path.split("/")).contains("."))) {
            throw PackyardException.build("bundle: bad path " + path);
        }
    }

    private static String parent(String path) {
        if (path.equals("/")) {
            return null;
        }
        int slash = path.lastIndexOf('/');
        return slash == 0 ? "/" : path.substring(0, slash);
    }

    /**
     * Orders paths segment by segment in UTF-8 byte order, so that a directory's contents follow
     * it directly and the order does not depend on the JVM or the file system.
     */
    public static int comparePaths(String a, String b) {
        if (a.equals("/")) {
            return b.equals("/") ? 0 : -1;
        }
        if (b.equals("/")) {
            return 1;
        }
        String[] x = a.split("/", -1);
        String[] y = b.split("/", -1);
        for (int i = 0; i < Math.min(x.length, y.length); i++) {
            int c = Arrays.compareUnsigned(
                    x[i].getBytes(StandardCharsets.UTF_8), y[i].getBytes(StandardCharsets.UTF_8));
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(x.length, y.length);
    }
}

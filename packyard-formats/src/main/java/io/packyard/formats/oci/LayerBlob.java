package io.packyard.formats.oci;

import io.packyard.bundle.BundleEntry;
import io.packyard.formats.linux.InstallTree;
import io.packyard.formats.linux.ReproducibleGzip;
import io.packyard.formats.linux.ReproducibleTar;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.TreeSet;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * One gzip-compressed image layer on disk, with the two digests an image names it by: the
 * {@code diffId} of the uncompressed tar (in the configuration's rootfs) and the {@code digest} of
 * the compressed blob (in the manifest). Layers written here are reproducible: sorted entries,
 * root:root (except where an owner is given), every mtime SOURCE_DATE_EPOCH, pax records for long
 * names, gzip with a fixed header.
 *
 * @param file the compressed layer
 * @param diffId {@code sha256:<hex>} of the uncompressed tar
 * @param digest {@code sha256:<hex>} of {@code file}
 * @param size size of {@code file} in bytes
 * @param comment what the layer holds, for the image history
 */
record LayerBlob(Path file, String diffId, String digest, long size, String comment) {

    /** gzip level of the layers: docker's and buildah's default, a good speed/size balance. */
    static final int GZIP_LEVEL = 6;

    /**
     * Writes bundle entries as a layer, each under {@code prefix} (such as {@code opt/acme/notes/}),
     * with every directory above them (the prefix's own included) so the layer unpacks alone.
     */
    static LayerBlob ofBundleEntries(List<BundleEntry> entries, String prefix, long epoch, Path out, String comment)
            throws IOException {
        // every directory the layer needs: the prefix's, those listed, and the parents of every entry
        TreeSet<String> dirs = new TreeSet<>(InstallTree::comparePaths);
        String[] pre = prefix.substring(0, prefix.length() - 1).split("/");
        for (int i = 1; i <= pre.length; i++) {
            dirs.add(String.join("/", java.util.Arrays.copyOf(pre, i)));
        }
        List<BundleEntry> nonDirs = new ArrayList<>();
        for (BundleEntry e : entries) {
            if (e.isDirectory()) {
                dirs.add(prefix + e.path());
            } else {
                nonDirs.add(e);
            }
            String p = e.path();
            for (int slash = p.indexOf('/'); slash >= 0; slash = p.indexOf('/', slash + 1)) {
                dirs.add(prefix + p.substring(0, slash));
            }
        }
        // one sorted list of names; directories before their contents
        TreeSet<String> all = new TreeSet<>(InstallTree::comparePaths);
        all.addAll(dirs);
        java.util.Map<String, BundleEntry> byName = new java.util.HashMap<>();
        for (BundleEntry e : nonDirs) {
            all.add(prefix + e.path());
            byName.put(prefix + e.path(), e);
        }
        return write(out, comment, digesting -> {
            try (ReproducibleTar tar = new ReproducibleTar(digesting, ReproducibleTar.Flavor.PAX, epoch, null)) {
                for (String name : all) {
                    BundleEntry e = byName.get(name);
                    if (e == null) {
                        tar.directory(name + "/", 0755);
                    } else if (e.isSymlink()) {
                        tar.symlink(name, e.linkTarget());
                    } else {
                        try (InputStream in = Files.newInputStream(e.source())) {
                            tar.file(name, e.mode(), e.size(), in);
                        }
                    }
                }
                tar.finish();
            }
        });
    }

    /** A file or directory of a hand-made layer. */
    record Item(String name, int mode, int uid, int gid, byte[] content) {
        boolean directory() {
            return content == null;
        }
    }

    /** Writes a small layer of explicit items (the account files), which may be owned by other users than root. */
    static LayerBlob ofItems(List<Item> items, long epoch, Path out, String comment) throws IOException {
        List<Item> sorted = new ArrayList<>(items);
        sorted.sort((a, b) -> InstallTree.comparePaths(a.name(), b.name()));
        FileTime mtime = FileTime.fromMillis(epoch * 1000L);
        return write(out, comment, digesting -> {
            try (TarArchiveOutputStream tar = new TarArchiveOutputStream(digesting, StandardCharsets.UTF_8.name())) {
                tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_ERROR);
                for (Item i : sorted) {
                    TarArchiveEntry e = new TarArchiveEntry(i.directory() ? i.name() + "/" : i.name(),
                            i.directory() ? TarConstants.LF_DIR : TarConstants.LF_NORMAL, true);
                    e.setMode(i.mode() & 07777);
                    e.setUserId(i.uid());
                    e.setGroupId(i.gid());
                    e.setUserName(i.uid() == 0 ? "root" : "");
                    e.setGroupName(i.gid() == 0 ? "root" : "");
                    e.setLastModifiedTime(mtime);
                    if (!i.directory()) {
                        e.setSize(i.content().length);
                    }
                    tar.putArchiveEntry(e);
                    if (!i.directory()) {
                        tar.write(i.content());
                    }
                    tar.closeArchiveEntry();
                }
                tar.finish();
            }
        });
    }

    /** Compresses an existing uncompressed layer tar reproducibly; the diffId is checked against {@code expectedDiffId}. */
    static LayerBlob gzipOf(Path tar, Path out, String expectedDiffId, String comment) throws IOException {
        LayerBlob b = write(out, comment, digesting -> {
            try (InputStream in = Files.newInputStream(tar)) {
                in.transferTo(digesting);
            }
        });
        if (expectedDiffId != null && !expectedDiffId.equals(b.diffId())) {
            throw new IOException("layer " + tar.getFileName() + ": its content has digest " + b.diffId()
                    + " but the image configuration says " + expectedDiffId);
        }
        return b;
    }

    interface TarBody {
        void writeTo(OutputStream uncompressed) throws IOException;
    }

    private static LayerBlob write(Path out, String comment, TarBody body) throws IOException {
        MessageDigest diff = sha256();
        MessageDigest blob = sha256();
        try (OutputStream file = new BufferedOutputStream(Files.newOutputStream(out, StandardOpenOption.CREATE_NEW), 1 << 16);
                DigestOutputStream compressed = new DigestOutputStream(file, blob);
                ReproducibleGzip gz = new ReproducibleGzip(compressed, GZIP_LEVEL);
                DigestOutputStream uncompressed = new DigestOutputStream(new BufferedOutputStream(gz, 1 << 16), diff)) {
            body.writeTo(new NonClosing(uncompressed));
        }
        return new LayerBlob(out, "sha256:" + HexFormat.of().formatHex(diff.digest()),
                "sha256:" + HexFormat.of().formatHex(blob.digest()), Files.size(out), comment);
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Lets a tar writer "close" its stream without finishing the gzip stream around it too early. */
    private static final class NonClosing extends java.io.FilterOutputStream {
        NonClosing(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
            out.flush();
        }
    }
}

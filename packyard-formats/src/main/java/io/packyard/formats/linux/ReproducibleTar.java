package io.packyard.formats.linux;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.attribute.FileTime;
import java.util.function.LongConsumer;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * A tar writer whose output depends only on what is added: every entry is owned by root:root
 * (uid and gid 0, with the names {@code root} or, {@link #numericOwner() numeric only}, none),
 * has one fixed modification time, and long or non-ASCII names are written
 * with extension records this class builds itself (commons-compress would name the user running
 * the build in its own ones). The mode field holds permission bits only, the type being in the
 * type flag, as POSIX specifies and GNU tar writes. Sizes beyond 8 GiB use the base-256 encoding GNU tar, bsdtar,
 * dpkg and Python's tarfile all read.
 */
public final class ReproducibleTar implements AutoCloseable {

    /** How names longer than the 100 bytes of a tar header are stored. */
    public enum Flavor {
        /** GNU {@code ././@LongLink} records, as {@code dpkg-deb} writes them. */
        GNU,
        /** POSIX.1-2001 pax extended headers, which every modern tar reads. */
        PAX
    }

    private static final int NAME_LENGTH = TarConstants.NAMELEN;

    private final TarArchiveOutputStream tar;
    private final Flavor flavor;
    private final FileTime mtime;
    private final LongConsumer bytesWritten;
    private boolean numericOwner;
    private long contentBytes;

    /**
     * @param out where the (uncompressed) tar goes; closed by {@link #close()}
     * @param flavor how long names are stored
     * @param mtime seconds since the epoch for every entry (SOURCE_DATE_EPOCH)
     * @param bytesWritten told the running total of file content bytes after each chunk
     */
    public ReproducibleTar(OutputStream out, Flavor flavor, long mtime, LongConsumer bytesWritten) {
        this.tar = new TarArchiveOutputStream(out, StandardCharsets.UTF_8.name());
        this.tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_TRUNCATE); // long names handled here
        this.tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_STAR);
        this.tar.setAddPaxHeadersForNonAsciiNames(false);
        this.flavor = flavor;
        this.mtime = FileTime.fromMillis(Math.multiplyExact(mtime, 1000L));
        this.bytesWritten = bytesWritten == null ? n -> {} : bytesWritten;
    }

    /**
     * Entries carry uid and gid 0 without the user and group names, as {@code tar --numeric-owner}
     * writes them: dpkg looks a name up in /etc/passwd and /etc/group for every entry that has
     * one (two file opens and parses per entry, 7,500 for a bundled interpreter's 3,800 entries),
     * and takes the numbers as they are otherwise. Call before the first entry.
     */
    public ReproducibleTar numericOwner() {
        if (contentBytes > 0) {
            throw new IllegalStateException("numericOwner() after entries were written");
        }
        this.numericOwner = true;
        return this;
    }

    /** A directory; {@code name} ends with {@code /}. */
    public void directory(String name, int mode) throws IOException {
        if (!name.endsWith("/")) {
            throw new IllegalArgumentException("directory name must end with /: " + name);
        }
        TarArchiveEntry e = entry(name, TarConstants.LF_DIR, null);
        e.setMode(mode & 07777);
        put(e);
        tar.closeArchiveEntry();
    }

    /** A regular file with {@code size} bytes read from {@code in}. */
    public void file(String name, int mode, long size, InputStream in) throws IOException {
        TarArchiveEntry e = entry(name, TarConstants.LF_NORMAL, null);
        e.setMode(mode & 07777);
        e.setSize(size);
        put(e);
        byte[] buf = new byte[1 << 16];
        long left = size;
        while (left > 0) {
            int n = in.read(buf, 0, (int) Math.min(buf.length, left));
            if (n < 0) {
                throw new IOException(name + ": file shrank while it was being archived");
            }
            tar.write(buf, 0, n);
            left -= n;
            contentBytes += n;
            bytesWritten.accept(contentBytes);
        }
        if (in.read() >= 0) {
            throw new IOException(name + ": file grew while it was being archived");
        }
        tar.closeArchiveEntry();
    }

    public void file(String name, int mode, byte[] content) throws IOException {
        file(name, mode, content.length, new java.io.ByteArrayInputStream(content));
    }

    public void symlink(String name, String target) throws IOException {
        TarArchiveEntry e = entry(name, TarConstants.LF_SYMLINK, target);
        e.setMode(0777);
        put(e);
        tar.closeArchiveEntry();
    }

    /** Writes the end-of-archive records. */
    public void finish() throws IOException {
        tar.finish();
    }

    @Override
    public void close() throws IOException {
        tar.close();
    }

    private TarArchiveEntry entry(String name, byte type, String linkTarget) {
        TarArchiveEntry e = new TarArchiveEntry(name, type, true);
        if (linkTarget != null) {
            e.setLinkName(linkTarget);
        }
        own(e);
        return e;
    }

    private void own(TarArchiveEntry e) {
        e.setUserId(0);
        e.setGroupId(0);
        e.setUserName(numericOwner ? "" : "root");
        e.setGroupName(numericOwner ? "" : "root");
        e.setLastModifiedTime(mtime);
    }

    private void put(TarArchiveEntry e) throws IOException {
        String name = e.getName();
        String link = e.isSymbolicLink() ? e.getLinkName() : null;
        byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
        byte[] linkBytes = link == null ? new byte[0] : link.getBytes(StandardCharsets.UTF_8);
        boolean longName = nameBytes.length >= NAME_LENGTH;
        boolean longLink = linkBytes.length >= NAME_LENGTH;
        if (flavor == Flavor.GNU) {
            if (longLink) {
                gnuLongRecord(TarConstants.LF_GNUTYPE_LONGLINK, linkBytes);
            }
            if (longName) {
                gnuLongRecord(TarConstants.LF_GNUTYPE_LONGNAME, nameBytes);
            }
        } else {
            StringBuilder pax = new StringBuilder();
            if (longName || !isAscii(name)) {
                pax.append(paxRecord("path", name));
            }
            if (link != null && (longLink || !isAscii(link))) {
                pax.append(paxRecord("linkpath", link));
            }
            if (!pax.isEmpty()) {
                byte[] data = pax.toString().getBytes(StandardCharsets.UTF_8);
                TarArchiveEntry x = new TarArchiveEntry("././@PaxHeader", TarConstants.LF_PAX_EXTENDED_HEADER_LC, true);
                own(x);
                x.setMode(0644);
                x.setSize(data.length);
                tar.putArchiveEntry(x);
                tar.write(data);
                tar.closeArchiveEntry();
            }
        }
        tar.putArchiveEntry(e);
    }

    private void gnuLongRecord(byte type, byte[] value) throws IOException {
        TarArchiveEntry l = new TarArchiveEntry(TarConstants.GNU_LONGLINK, type, true);
        own(l);
        l.setMode(0644);
        l.setSize(value.length + 1L);
        tar.putArchiveEntry(l);
        tar.write(value);
        tar.write(0);
        tar.closeArchiveEntry();
    }

    /** One pax record: its decimal length counts itself, the key, the value and the newline. */
    static String paxRecord(String key, String value) {
        int body = 1 + key.getBytes(StandardCharsets.UTF_8).length + 1
                + value.getBytes(StandardCharsets.UTF_8).length + 1; // " key=value\n"
        int len = body + String.valueOf(body).length();
        if (String.valueOf(len).length() != String.valueOf(body).length()) {
            len = body + String.valueOf(len).length();
        }
        return len + " " + key + "=" + value + "\n";
    }

    private static boolean isAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) >= 0x80) {
                return false;
            }
        }
        return true;
    }
}

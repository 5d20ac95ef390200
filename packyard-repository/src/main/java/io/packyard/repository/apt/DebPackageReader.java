package io.packyard.repository.apt;

import io.packyard.repository.packages.PackageRejectedException;
import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.tukaani.xz.XZInputStream;

/**
 * Reads and checks a .deb (deb(5)): an ar archive of {@code debian-binary} ("2.x"),
 * {@code control.tar[.gz|.xz]} and {@code data.tar[.gz|.xz]}, optionally followed by members whose
 * names start with '_'. The control archive must hold a {@code control} file with one valid
 * paragraph (Package, Version, Architecture checked as dpkg checks them; no repository-only
 * fields such as Filename or SHA256). The data archive is read to its end, so a truncated upload
 * is refused here rather than by dpkg on a client. The file's MD5, SHA-1 and SHA-256 are computed
 * in the same pass.
 *
 * <p>zstd-compressed members (Ubuntu's default since 21.10) are refused with a message saying so:
 * reading them needs a zstd decoder this module does not have yet.
 */
public final class DebPackageReader {
    /** Largest control.tar (uncompressed) accepted. */
    static final long MAX_CONTROL_TAR = 64L << 20;
    /** Largest control file accepted. */
    static final int MAX_CONTROL_FILE = 1 << 20;

    private static final Pattern PACKAGE = Pattern.compile("[a-z0-9][a-z0-9+.-]+");
    private static final Pattern ARCHITECTURE = Pattern.compile("[a-z0-9][a-z0-9-]*");
    private static final Pattern SOURCE = Pattern.compile("([a-z0-9][a-z0-9+.-]+)(?:\\s*\\(([^)\\s]+)\\))?");
    private static final Pattern MEMBER = Pattern.compile("(control|data)\\.tar(\\.(gz|xz|zst|bz2|lzma))?");

    private DebPackageReader() {}

    /** Reads {@code deb}, named in errors by its file name. */
    public static DebPackage read(Path deb) throws IOException {
        return read(deb, deb.getFileName().toString());
    }

    /**
     * Reads {@code deb}; {@code displayName} (the uploaded file name) prefixes every error.
     *
     * @throws PackageRejectedException when the file is not a valid .deb
     */
    public static DebPackage read(Path deb, String displayName) throws IOException {
        MessageDigest md5 = digest("MD5");
        MessageDigest sha1 = digest("SHA-1");
        MessageDigest sha256 = digest("SHA-256");
        ControlParagraph control = null;
        long size = Files.size(deb);
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(deb), 1 << 16);
                InputStream in = new DigestInputStream(new DigestInputStream(new DigestInputStream(raw, md5), sha1), sha256)) {
            byte[] magic = in.readNBytes(8);
            if (!new String(magic, StandardCharsets.ISO_8859_1).equals("!<arch>\n")) {
                throw reject(displayName, "not a .deb (no ar archive signature)");
            }
            int index = 0;
            boolean sawData = false;
            ArHeader h;
            while ((h = ArHeader.read(in, displayName)) != null) {
                InputStream member = new BoundedInputStream(in, h.size);
                switch (index) {
                    case 0 -> {
                        if (!h.name.equals("debian-binary")) {
                            throw reject(displayName, "first member is '" + h.name + "', expected debian-binary");
                        }
                        String format = new String(member.readNBytes(16), StandardCharsets.US_ASCII);
                        if (!format.startsWith("2.")) {
                            throw reject(displayName, "debian-binary: format '" + format.strip() + "' is not 2.x");
                        }
                    }
                    case 1 -> control = readControlTar(h.name, member, displayName);
                    case 2 -> {
                        Matcher m = MEMBER.matcher(h.name);
                        if (!m.matches() || !m.group(1).equals("data")) {
                            throw reject(displayName, "third member is '" + h.name + "', expected data.tar[.gz|.xz]");
                        }
                        readDataTar(h.name, member, displayName);
                        sawData = true;
                    }
                    default -> {
                        if (!h.name.startsWith("_")) {
                            throw reject(displayName, "unexpected member '" + h.name + "' after data.tar");
                        }
                    }
                }
                member.transferTo(OutputStreamNull.INSTANCE);
                if ((h.size & 1) == 1) {
                    if (in.read() < 0) {
                        throw reject(displayName, "truncated (ar padding of " + h.name + " missing)");
                    }
                }
                index++;
            }
            if (control == null || !sawData) {
                throw reject(displayName, "incomplete .deb: " + (control == null ? "no control.tar" : "no data.tar"));
            }
        } catch (EOFException e) {
            throw reject(displayName, "truncated: " + e.getMessage());
        }
        HexFormat hex = HexFormat.of();
        return check(control, size, hex.formatHex(md5.digest()), hex.formatHex(sha1.digest()), hex.formatHex(sha256.digest()), displayName);
    }

    private static DebPackage check(ControlParagraph c, long size, String md5, String sha1, String sha256, String file) {
        String name = required(c, "Package", file);
        if (!PACKAGE.matcher(name).matches()) {
            throw reject(file, "control: Package '" + name + "': expected lower-case letters, digits, '+', '-', '.', at least two characters");
        }
        String version = required(c, "Version", file);
        if (!DebianVersions.isValid(version)) {
            throw reject(file, "control: Version '" + version + "': not a Debian version ([epoch:]upstream[-revision], upstream starting with a digit)");
        }
        String arch = required(c, "Architecture", file);
        if (!ARCHITECTURE.matcher(arch).matches() || arch.equals("any")) {
            throw reject(file, "control: Architecture '" + arch + "': expected one architecture such as amd64, arm64 or all");
        }
        for (String repoOnly : new String[] {"Filename", "Size", "MD5sum", "SHA1", "SHA256", "SHA512"}) {
            if (c.has(repoOnly)) {
                throw reject(file, "control: field " + repoOnly + " belongs in a repository index, not in a package");
            }
        }
        c.get("Installed-Size").ifPresent(s -> {
            if (!s.matches("[0-9]{1,15}")) {
                throw reject(file, "control: Installed-Size '" + s + "': expected a number of KiB");
            }
        });
        for (String single : new String[] {"Package", "Version", "Architecture"}) {
            if (c.get(single).orElse("").contains("\n")) {
                throw reject(file, "control: field " + single + " must be one line");
            }
        }
        String source = name;
        if (c.has("Source")) {
            Matcher m = SOURCE.matcher(c.get("Source").get().strip());
            if (!m.matches()) {
                throw reject(file, "control: Source '" + c.get("Source").get() + "': expected 'name' or 'name (version)'");
            }
            source = m.group(1);
        }
        return new DebPackage(name, version, arch, source, c, size, md5, sha1, sha256);
    }

    private static String required(ControlParagraph c, String field, String file) {
        String v = c.get(field).orElse("").strip();
        if (v.isEmpty()) {
            throw reject(file, "control: missing " + field + " field");
        }
        return v;
    }

    private static ControlParagraph readControlTar(String member, InputStream in, String file) throws IOException {
        Matcher m = MEMBER.matcher(member);
        if (!m.matches() || !m.group(1).equals("control")) {
            throw reject(file, "second member is '" + member + "', expected control.tar[.gz|.xz]");
        }
        InputStream tarStream = new BoundedInputStream(decompress(member, m.group(3), in, file), MAX_CONTROL_TAR, true);
        try (TarArchiveInputStream tar = new TarArchiveInputStream(tarStream)) {
            TarArchiveEntry e;
            while ((e = tar.getNextEntry()) != null) {
                String n = e.getName();
                while (n.startsWith("./")) {
                    n = n.substring(2);
                }
                if (n.equals("control") && e.isFile()) {
                    if (e.getSize() > MAX_CONTROL_FILE) {
                        throw reject(file, "control: " + e.getSize() + " bytes; at most " + MAX_CONTROL_FILE + " accepted");
                    }
                    byte[] bytes = tar.readNBytes((int) e.getSize());
                    String text;
                    try {
                        text = StandardCharsets.UTF_8.newDecoder()
                                .onMalformedInput(CodingErrorAction.REPORT)
                                .onUnmappableCharacter(CodingErrorAction.REPORT)
                                .decode(java.nio.ByteBuffer.wrap(bytes)).toString();
                    } catch (CharacterCodingException ex) {
                        throw reject(file, "control: not UTF-8");
                    }
                    try {
                        return ControlParagraph.parse(text);
                    } catch (IllegalArgumentException ex) {
                        throw reject(file, "control: " + ex.getMessage());
                    }
                }
            }
        } catch (BoundedInputStream.LimitException ex) {
            throw reject(file, member + ": larger than " + (MAX_CONTROL_TAR >> 20) + " MiB uncompressed");
        } catch (EOFException ex) {
            throw reject(file, "truncated (in " + member + ")");
        } catch (IOException | IllegalArgumentException ex) {
            if (ex instanceof PackageRejectedException p) {
                throw p;
            }
            throw reject(file, member + ": unreadable: " + ex.getMessage());
        }
        throw reject(file, member + ": no control file");
    }

    private static void readDataTar(String member, InputStream in, String file) throws IOException {
        Matcher m = MEMBER.matcher(member);
        if (!m.matches()) {
            throw reject(file, "unexpected member " + member);
        }
        try (TarArchiveInputStream tar = new TarArchiveInputStream(decompress(member, m.group(3), in, file))) {
            while (tar.getNextEntry() != null) {
                // reading the headers reads (skips) every member's content: the archive must be whole
            }
            // the compressed stream must end where the member ends
            tar.transferTo(OutputStreamNull.INSTANCE);
        } catch (EOFException ex) {
            throw reject(file, "truncated (in " + member + ")");
        } catch (IOException | IllegalArgumentException ex) {
            if (ex instanceof PackageRejectedException p) {
                throw p;
            }
            throw reject(file, member + ": damaged or truncated: " + ex.getMessage());
        }
    }

    private static InputStream decompress(String member, String compression, InputStream in, String file) throws IOException {
        if (compression == null) {
            return in;
        }
        return switch (compression) {
            case "gz" -> new GZIPInputStream(in, 1 << 16);
            case "xz" -> new XZInputStream(in);
            case "zst" -> throw reject(file, member + ": zstd-compressed .deb members are not supported yet; "
                    + "build the package with xz or gzip (dpkg-deb -Zxz)");
            default -> throw reject(file, member + ": " + compression + " compression is not supported; use xz or gzip");
        };
    }

    private static MessageDigest digest(String algorithm) {
        try {
            return MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static PackageRejectedException reject(String file, String reason) {
        return new PackageRejectedException(file, reason);
    }

    /** A 60-byte ar member header (common format, GNU '/'-terminated names accepted). */
    private record ArHeader(String name, long size) {
        static ArHeader read(InputStream in, String file) throws IOException {
            byte[] b = in.readNBytes(60);
            if (b.length == 0) {
                return null;
            }
            if (b.length < 60) {
                throw new EOFException("ar member header cut short");
            }
            String s = new String(b, StandardCharsets.ISO_8859_1);
            if (!s.endsWith("`\n")) {
                throw reject(file, "damaged ar member header");
            }
            String name = s.substring(0, 16).stripTrailing();
            if (name.endsWith("/")) {
                name = name.substring(0, name.length() - 1);
            }
            String sizeText = s.substring(48, 58).strip();
            if (!sizeText.matches("[0-9]{1,10}")) {
                throw reject(file, "ar member " + name + ": bad size '" + sizeText + "'");
            }
            return new ArHeader(name, Long.parseLong(sizeText));
        }
    }

    /** At most {@code limit} bytes of the underlying stream; never closes it. */
    static final class BoundedInputStream extends FilterInputStream {
        static final class LimitException extends IOException {
            LimitException() {
                super("limit reached");
            }
        }

        private final boolean failOnLimit;
        private long remaining;

        BoundedInputStream(InputStream in, long limit) {
            this(in, limit, false);
        }

        BoundedInputStream(InputStream in, long limit, boolean failOnLimit) {
            super(in);
            this.remaining = limit;
            this.failOnLimit = failOnLimit;
        }

        @Override
        public int read() throws IOException {
            if (remaining <= 0) {
                return atLimit();
            }
            int c = in.read();
            if (c < 0) {
                throw new EOFException("member ends early");
            }
            remaining--;
            return c;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            if (remaining <= 0) {
                return atLimit();
            }
            int n = in.read(b, off, (int) Math.min(len, remaining));
            if (n < 0) {
                throw new EOFException("member ends early");
            }
            remaining -= n;
            return n;
        }

        private int atLimit() throws IOException {
            if (failOnLimit && in.read() >= 0) {
                throw new LimitException();
            }
            return -1;
        }

        /** Skips by reading, so that digests computed further down see every byte. */
        @Override
        public long skip(long n) throws IOException {
            byte[] buf = new byte[8192];
            long skipped = 0;
            while (skipped < n) {
                int r = read(buf, 0, (int) Math.min(buf.length, n - skipped));
                if (r < 0) {
                    break;
                }
                skipped += r;
            }
            return skipped;
        }

        @Override
        public int available() throws IOException {
            return (int) Math.min(in.available(), remaining);
        }

        @Override
        public void close() {
            // the ar stream continues after this member
        }

        @Override
        public boolean markSupported() {
            return false;
        }
    }

    private static final class OutputStreamNull extends java.io.OutputStream {
        static final OutputStreamNull INSTANCE = new OutputStreamNull();

        @Override
        public void write(int b) {}

        @Override
        public void write(byte[] b, int off, int len) {}
    }
}

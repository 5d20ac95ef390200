package io.packyard.python.wheel;

import io.packyard.python.PackyardException;
import io.packyard.python.names.ProjectName;
import io.packyard.python.util.Progress;
import io.packyard.python.version.Version;
import java.io.Closeable;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * An open wheel file: its {@code .dist-info} (WHEEL, METADATA, entry points, RECORD) and its
 * members. {@link #open} checks the structure (file name, member paths, duplicates, the single
 * {@code .dist-info}, WHEEL's version, RECORD's syntax and coverage of every member);
 * {@link #validate()} then reads every member and checks its size and hash against RECORD.
 *
 * <p>Every error is a {@link PackyardException} whose message starts with
 * {@code wheel <file name>:} and names the member concerned.
 */
public final class WheelArchive implements Closeable {

    /** The highest Wheel-Version this reader knows: 1.0. */
    public static final int SUPPORTED_MAJOR = 1;
    public static final int SUPPORTED_MINOR = 0;

    private static final Pattern DRIVE = Pattern.compile("^[A-Za-z]:.*");
    private static final Set<String> WEAK_ALGORITHMS = Set.of("md5", "sha1", "sha224");

    /**
     * A file in the wheel (directories are not members).
     *
     * @param name the archive path, '/'-separated
     * @param executable whether the zip entry carries a Unix executable bit
     * @param record its RECORD row; empty only for RECORD itself and its signatures
     */
    public record Member(String name, boolean executable, Optional<RecordFile.Entry> record) {}

    private final Path path;
    private final WheelFilename filename;
    private final ZipFile zip;
    private final Progress progress;
    private final Map<String, ZipEntry> entries;
    private final List<Member> members;
    private final String distInfoDir;
    private final Map<String, String> wheelFields;
    private final List<String> wheelTags;
    private final int wheelMajor;
    private final int wheelMinor;
    private final boolean rootIsPurelib;
    private final String metadataText;
    private final String metadataName;
    private final String metadataVersion;
    private final List<EntryPoint> entryPoints;
    private final List<RecordFile.Entry> record;

    private WheelArchive(Path path, WheelFilename filename, ZipFile zip, Progress progress) throws IOException {
        this.path = path;
        this.filename = filename;
        this.zip = zip;
        this.progress = progress;

        // Names and Unix modes from the central directory; data from ZipFile.
        Map<String, ZipCentralDirectory.Record> cen = new HashMap<>();
        for (ZipCentralDirectory.Record r : ZipCentralDirectory.read(path)) {
            if (cen.putIfAbsent(r.name(), r) != null) {
                throw fail("duplicate archive member " + r.name());
            }
        }
        Map<String, ZipEntry> byName = new LinkedHashMap<>();
        Enumeration<? extends ZipEntry> en = zip.entries();
        while (en.hasMoreElements()) {
            ZipEntry e = en.nextElement();
            if (byName.putIfAbsent(e.getName(), e) != null) {
                throw fail("duplicate archive member " + e.getName());
            }
        }
        if (!byName.keySet().equals(cen.keySet())) {
            throw fail("corrupt zip central directory");
        }
        Set<String> fileNames = new TreeSet<>();
        Set<String> dirs = new HashSet<>();
        for (ZipEntry e : byName.values()) {
            checkMemberPath(e.getName(), e.isDirectory());
            if (!e.isDirectory()) {
                fileNames.add(e.getName());
                String n = e.getName();
                for (int i = n.indexOf('/'); i >= 0; i = n.indexOf('/', i + 1)) {
                    dirs.add(n.substring(0, i));
                }
            }
        }
        for (String f : fileNames) {
            if (dirs.contains(f)) {
                throw fail("archive member " + f + " is both a file and a directory");
            }
        }
        this.entries = Collections.unmodifiableMap(byName);

        // The .dist-info directory.
        Set<String> infoDirs = new TreeSet<>();
        for (String n : byName.keySet()) {
            int slash = n.indexOf('/');
            String top = slash < 0 ? n : n.substring(0, slash);
            if (top.endsWith(".dist-info") && (slash >= 0)) {
                infoDirs.add(top);
            }
        }
        if (infoDirs.isEmpty()) {
            throw fail("no .dist-info directory");
        }
        if (infoDirs.size() > 1) {
            throw fail("more than one .dist-info directory: " + String.join(", ", infoDirs));
        }
        this.distInfoDir = infoDirs.iterator().next();
        checkDistInfoName();

        // WHEEL
        String wheelText = text(distInfoDir + "/WHEEL", true);
        this.wheelFields = new LinkedHashMap<>();
        this.wheelTags = new ArrayList<>();
        for (Map.Entry<String, List<String>> h : parseHeaders(wheelText).entrySet()) {
            if (h.getKey().equals("tag")) {
                wheelTags.addAll(h.getValue());
            }
            wheelFields.put(h.getKey(), h.getValue().get(0));
        }
        String wv = wheelFields.get("wheel-version");
        if (wv == null) {
            throw fail(distInfoDir + "/WHEEL: no Wheel-Version");
        }
        String[] mm = wv.strip().split("\\.");
        try {
            if (mm.length < 1 || mm.length > 2) {
                throw new NumberFormatException();
            }
            this.wheelMajor = Integer.parseInt(mm[0]);
            this.wheelMinor = mm.length > 1 ? Integer.parseInt(mm[1]) : 0;
        } catch (NumberFormatException e) {
            throw fail(distInfoDir + "/WHEEL: invalid Wheel-Version " + wv.strip());
        }
        if (wheelMajor > SUPPORTED_MAJOR) {
            throw fail(distInfoDir + "/WHEEL: Wheel-Version " + wv.strip() + " is not supported (this installer reads "
                    + SUPPORTED_MAJOR + ".x)");
        }
        if (wheelMajor == SUPPORTED_MAJOR && wheelMinor > SUPPORTED_MINOR) {
            progress.warn("wheel " + filename.filename() + ": Wheel-Version " + wv.strip() + " is newer than "
                    + SUPPORTED_MAJOR + "." + SUPPORTED_MINOR + "; installing anyway");
        }
        this.rootIsPurelib = "true".equalsIgnoreCase(wheelFields.getOrDefault("root-is-purelib", "").strip());

        // METADATA
        this.metadataText = text(distInfoDir + "/METADATA", true);
        Map<String, List<String>> meta = parseHeaders(metadataText);
        this.metadataName = first(meta, "name");
        this.metadataVersion = first(meta, "version");
        if (metadataName == null || metadataVersion == null) {
            throw fail(distInfoDir + "/METADATA: missing " + (metadataName == null ? "Name" : "Version"));
        }
        if (!ProjectName.normalize(metadataName).equals(filename.normalizedName())) {
            throw fail(distInfoDir + "/METADATA: Name " + metadataName + " does not match the file name");
        }
        if (!sameVersion(metadataVersion, filename.version())) {
            throw fail(distInfoDir + "/METADATA: Version " + metadataVersion + " does not match the file name");
        }

        // entry_points.txt
        String ep = text(distInfoDir + "/entry_points.txt", false);
        try {
            this.entryPoints = ep == null ? List.of()
                    : List.copyOf(EntryPoint.parseFile(ep, Set.of(EntryPoint.CONSOLE_SCRIPTS, EntryPoint.GUI_SCRIPTS)));
        } catch (IllegalArgumentException e) {
            throw fail(distInfoDir + "/entry_points.txt: " + e.getMessage());
        }
        for (EntryPoint p : entryPoints) {
            if (p.attribute().isEmpty()) {
                throw fail(distInfoDir + "/entry_points.txt: [" + p.group() + "] " + p.name()
                        + ": expected module:function, got " + p.module());
            }
        }

        // RECORD
        String recordName = distInfoDir + "/RECORD";
        String recordText = text(recordName, true);
        try {
            this.record = List.copyOf(RecordFile.parse(recordText));
        } catch (IllegalArgumentException e) {
            throw fail("RECORD: " + e.getMessage());
        }
        Map<String, RecordFile.Entry> rows = new HashMap<>();
        for (RecordFile.Entry r : record) {
            if (rows.put(r.path(), r) != null) {
                throw fail("RECORD: " + r.path() + " is listed twice");
            }
        }
        Set<String> unsigned = Set.of(recordName, recordName + ".jws", recordName + ".p7s");
        List<Member> list = new ArrayList<>();
        for (ZipEntry e : byName.values()) {
            if (e.isDirectory()) {
                continue;
            }
            String n = e.getName();
            RecordFile.Entry r = rows.remove(n);
            if (r == null && !unsigned.contains(n)) {
                throw fail("RECORD: " + n + " is not listed in RECORD");
            }
            if (r != null && !n.equals(recordName)) {
                if (r.hash().isEmpty()) {
                    if (!unsigned.contains(n)) {
                        throw fail("RECORD: no hash for " + n);
                    }
                } else {
                    String alg = r.algorithm().orElse("");
                    if (WEAK_ALGORITHMS.contains(alg)) {
                        throw fail("RECORD: weak hash algorithm " + alg + " for " + n);
                    }
                    if (!RecordFile.ACCEPTED_ALGORITHMS.contains(alg)) {
                        throw fail("RECORD: unsupported hash algorithm " + alg + " for " + n);
                    }
                }
            }
            list.add(new Member(n, cen.get(n).executable(), Optional.ofNullable(r)));
        }
        rows.keySet().removeIf(k -> k.endsWith("/"));
        if (!rows.isEmpty()) {
            progress.warn("wheel " + filename.filename() + ": RECORD lists " + rows.size()
                    + " file(s) not in the archive, for example " + new TreeSet<>(rows.keySet()).first());
        }
        this.members = List.copyOf(list);
    }

    /**
     * Opens a wheel and checks its structure (not yet the member hashes: see {@link #validate()}).
     *
     * @throws PackyardException if the file cannot be read or the wheel is invalid
     */
    public static WheelArchive open(Path wheelFile, Progress progress) {
        return open(wheelFile, wheelFile.getFileName().toString(), progress);
    }

    /**
     * Opens a wheel stored under another name (for example in a content-addressed cache);
     * {@code fn} is its real wheel file name.
     */
    public static WheelArchive open(Path wheelFile, String fn, Progress progress) {
        WheelFilename filename = WheelFilename.parse(fn);
        ZipFile zip;
        try {
            zip = new ZipFile(wheelFile.toFile(), StandardCharsets.UTF_8);
        } catch (ZipException e) {
            throw PackyardException.build("wheel " + fn + ": not a valid zip file: " + e.getMessage(), e);
        } catch (IOException e) {
            throw PackyardException.build("wheel " + fn + ": cannot read " + wheelFile + ": " + e.getMessage(), e);
        }
        try {
            return new WheelArchive(wheelFile, filename, zip, progress == null ? Progress.NONE : progress);
        } catch (IOException e) {
            closeQuietly(zip);
            throw PackyardException.build("wheel " + fn + ": cannot read: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            closeQuietly(zip);
            throw e;
        }
    }

    /** Opens and fully validates a wheel (structure, then every member's size and hash). */
    public static WheelArchive openValidated(Path wheelFile, Progress progress) {
        WheelArchive a = open(wheelFile, progress);
        try {
            a.validate();
            return a;
        } catch (RuntimeException e) {
            closeQuietly(a);
            throw e;
        }
    }

    /**
     * Reads every member and checks it against its RECORD row (size and hash).
     *
     * @throws PackyardException naming the first member that does not match
     */
    public void validate() {
        long done = 0;
        for (Member m : members) {
            try (InputStream in = openMember(m)) {
                in.transferTo(OutputStreamSink.INSTANCE);
            } catch (PackyardException e) {
                throw e;
            } catch (IOException e) {
                throw fail("cannot read " + m.name() + ": " + e.getMessage());
            }
            progress.advance(++done, members.size());
        }
    }

    /**
     * Opens a member for reading; the stream checks size and hash against RECORD as it is read and
     * throws a {@link PackyardException} at the first mismatch (when more bytes come than RECORD
     * says) or at the end of the data.
     */
    public InputStream openMember(Member m) {
        ZipEntry e = entries.get(m.name());
        if (e == null) {
            throw fail("no member " + m.name());
        }
        InputStream raw;
        try {
            raw = zip.getInputStream(e);
        } catch (IOException ex) {
            throw fail("cannot read " + m.name() + ": " + ex.getMessage());
        }
        if (m.record().isEmpty() || m.record().get().hash().isEmpty()) {
            return raw;
        }
        return new VerifyingStream(raw, m);
    }

    /** Reads a member fully (checked against RECORD). */
    public byte[] read(Member m) {
        try (InputStream in = openMember(m)) {
            return in.readAllBytes();
        } catch (PackyardException e) {
            throw e;
        } catch (IOException e) {
            throw fail("cannot read " + m.name() + ": " + e.getMessage());
        }
    }

    /** The member with this archive path, if any. */
    public Optional<Member> member(String name) {
        for (Member m : members) {
            if (m.name().equals(name)) {
                return Optional.of(m);
            }
        }
        return Optional.empty();
    }

    public Path path() {
        return path;
    }

    public WheelFilename filename() {
        return filename;
    }

    /** The archive's {@code .dist-info} directory name, for example {@code foo-1.0.dist-info}. */
    public String distInfoDir() {
        return distInfoDir;
    }

    /** The matching {@code .data} directory name, for example {@code foo-1.0.data}. */
    public String dataDir() {
        return distInfoDir.substring(0, distInfoDir.length() - ".dist-info".length()) + ".data";
    }

    /** Every file in the archive (directories excluded), in archive order. */
    public List<Member> members() {
        return members;
    }

    /** WHEEL's Wheel-Version as {major, minor}. */
    public int[] wheelVersion() {
        return new int[] {wheelMajor, wheelMinor};
    }

    /** WHEEL's fields, keys lower-cased (the first value for repeated keys). */
    public Map<String, String> wheelFields() {
        return Collections.unmodifiableMap(wheelFields);
    }

    /** WHEEL's Tag lines. */
    public List<String> wheelTags() {
        return List.copyOf(wheelTags);
    }

    /** WHEEL's Root-Is-Purelib: the root goes to purelib when true, platlib when false. */
    public boolean rootIsPurelib() {
        return rootIsPurelib;
    }

    /** The METADATA file, as text. */
    public String metadataText() {
        return metadataText;
    }

    /** METADATA's Name, as written there. */
    public String name() {
        return metadataName;
    }

    /** METADATA's Version, as written there. */
    public String version() {
        return metadataVersion;
    }

    /** console_scripts and gui_scripts entry points, in file order. */
    public List<EntryPoint> entryPoints() {
        return entryPoints;
    }

    public List<EntryPoint> consoleScripts() {
        return entryPoints.stream().filter(p -> p.group().equals(EntryPoint.CONSOLE_SCRIPTS)).toList();
    }

    public List<EntryPoint> guiScripts() {
        return entryPoints.stream().filter(p -> p.group().equals(EntryPoint.GUI_SCRIPTS)).toList();
    }

    /** RECORD's rows, in file order. */
    public List<RecordFile.Entry> record() {
        return record;
    }

    @Override
    public void close() {
        try {
            zip.close();
        } catch (IOException e) {
            // nothing was written
        }
    }

    PackyardException fail(String message) {
        return PackyardException.build("wheel " + filename.filename() + ": " + message);
    }

    private void checkMemberPath(String name, boolean directory) {
        String why = null;
        if (name.isEmpty()) {
            why = "empty member name";
        } else if (name.startsWith("/")) {
            why = "absolute path";
        } else if (name.indexOf('\\') >= 0) {
            why = "backslash in path";
        } else if (DRIVE.matcher(name).matches()) {
            why = "drive letter in path";
        } else {
            for (int i = 0; i < name.length(); i++) {
                if (name.charAt(i) < 0x20 || name.charAt(i) == 0x7f) {
                    why = "control character in path";
                    break;
                }
            }
            if (why == null) {
                String body = directory && name.endsWith("/") ? name.substring(0, name.length() - 1) : name;
                for (String seg : body.split("/", -1)) {
                    if (seg.equals("..")) {
                        why = "path escapes the installation (..)";
                        break;
                    }
                    if (seg.isEmpty() || seg.equals(".")) {
                        why = "path is not normalized";
                        break;
                    }
                }
            }
        }
        if (why != null) {
            throw fail("unsafe member path " + printable(name) + ": " + why);
        }
    }

    private static String printable(String s) {
        StringBuilder b = new StringBuilder();
        for (char c : s.toCharArray()) {
            if (c < 0x20 || c == 0x7f) {
                b.append(String.format("\\x%02x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    private void checkDistInfoName() {
        String stem = distInfoDir.substring(0, distInfoDir.length() - ".dist-info".length());
        String wanted = filename.normalizedName();
        for (int i = stem.indexOf('-'); i >= 0; i = stem.indexOf('-', i + 1)) {
            if (ProjectName.normalize(stem.substring(0, i)).equals(wanted)) {
                String v = stem.substring(i + 1);
                if (!sameVersion(v, filename.version())) {
                    throw fail(distInfoDir + " does not match the file name's version " + filename.version());
                }
                return;
            }
        }
        throw fail(distInfoDir + " does not match the file name's project " + filename.name());
    }

    static boolean sameVersion(String a, String b) {
        try {
            return Version.parse(a.replace('_', '-')).equals(Version.parse(b.replace('_', '-')));
        } catch (IllegalArgumentException e) {
            return a.replace('-', '_').equalsIgnoreCase(b.replace('-', '_'));
        }
    }

    private String text(String name, boolean required) {
        ZipEntry e = entries.get(name);
        if (e == null) {
            if (required) {
                throw fail("no " + name);
            }
            return null;
        }
        byte[] bytes;
        try (InputStream in = zip.getInputStream(e)) {
            bytes = in.readNBytes(64 * 1024 * 1024 + 1);
        } catch (IOException ex) {
            throw fail("cannot read " + name + ": " + ex.getMessage());
        }
        if (bytes.length > 64 * 1024 * 1024) {
            throw fail(name + " is larger than 64 MiB");
        }
        try {
            String s = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
            return s.startsWith("\uFEFF") ? s.substring(1) : s;
        } catch (CharacterCodingException ex) {
            throw fail(name + " is not valid UTF-8");
        }
    }

    /** Parses RFC 822 style headers (up to the first blank line); keys lower-cased. */
    static Map<String, List<String>> parseHeaders(String text) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        String key = null;
        for (String line : text.split("\r\n|\r|\n", -1)) {
            if (line.isEmpty()) {
                break;
            }
            if ((line.startsWith(" ") || line.startsWith("\t")) && key != null) {
                List<String> vals = out.get(key);
                vals.set(vals.size() - 1, vals.get(vals.size() - 1) + "\n" + line.strip());
                continue;
            }
            int colon = line.indexOf(':');
            if (colon <= 0) {
                continue;
            }
            key = line.substring(0, colon).strip().toLowerCase(Locale.ROOT);
            out.computeIfAbsent(key, k -> new ArrayList<>()).add(line.substring(colon + 1).strip());
        }
        return out;
    }

    private static String first(Map<String, List<String>> headers, String key) {
        List<String> v = headers.get(key);
        return v == null || v.isEmpty() || v.get(0).isEmpty() ? null : v.get(0);
    }

    private static void closeQuietly(Closeable c) {
        try {
            c.close();
        } catch (IOException e) {
            // ignore
        }
    }

    /** Discards what is written. */
    private static final class OutputStreamSink extends java.io.OutputStream {
        static final OutputStreamSink INSTANCE = new OutputStreamSink();

        @Override
        public void write(int b) {}

        @Override
        public void write(byte[] b, int off, int len) {}
    }

    /** Checks size and digest against a RECORD row while reading. */
    private final class VerifyingStream extends FilterInputStream {
        private final Member member;
        private final MessageDigest digest;
        private final long expectedSize;
        private final String expectedDigest;
        private long count;
        private boolean checked;

        VerifyingStream(InputStream in, Member member) {
            super(in);
            this.member = member;
            RecordFile.Entry r = member.record().orElseThrow();
            this.digest = RecordFile.digest(r.algorithm().orElseThrow());
            this.expectedSize = r.size().isPresent() ? r.size().getAsLong() : -1;
            this.expectedDigest = r.digest().orElseThrow();
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = in.read(b, off, len);
            if (n < 0) {
                finish();
                return -1;
            }
            digest.update(b, off, n);
            count += n;
            if (expectedSize >= 0 && count > expectedSize) {
                checked = true;
                throw fail("RECORD: size mismatch for " + member.name() + " (more than " + expectedSize + " bytes)");
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            long skipped = 0;
            byte[] buf = new byte[8192];
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
        public boolean markSupported() {
            return false;
        }

        /** Closing before the end still checks the whole member: the rest is read and verified. */
        @Override
        public void close() throws IOException {
            try {
                if (!checked) {
                    byte[] buf = new byte[8192];
                    while (read(buf, 0, buf.length) >= 0) {
                        // drain
                    }
                }
            } finally {
                super.close();
            }
        }

        private void finish() {
            if (checked) {
                return;
            }
            checked = true;
            if (expectedSize >= 0 && count != expectedSize) {
                throw fail("RECORD: size mismatch for " + member.name() + " (" + count + " bytes, RECORD says "
                        + expectedSize + ")");
            }
            String actual = RecordFile.encodeDigest(digest.digest());
            String expected = expectedDigest;
            while (expected.endsWith("=")) {
                expected = expected.substring(0, expected.length() - 1);
            }
            if (!actual.equals(expected)) {
                throw fail("RECORD: hash mismatch for " + member.name());
            }
        }
    }
}

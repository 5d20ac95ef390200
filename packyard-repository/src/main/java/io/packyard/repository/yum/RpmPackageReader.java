package io.packyard.repository.yum;

import io.packyard.repository.packages.PackageRejectedException;
import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import org.bouncycastle.bcpg.BCPGInputStream;
import org.bouncycastle.openpgp.PGPSignatureList;
import org.bouncycastle.openpgp.bc.BcPGPObjectFactory;

/**
 * Reads and checks a binary .rpm: the 96-byte lead, the signature header (padded to 8 bytes),
 * the main header (which must be an rpm v4 header with an immutable region) and the payload. The
 * digests the package carries are verified while reading — the signature header's SHA-256 and
 * SHA-1 of the main header, its MD5 and size of header plus payload, and the main header's
 * payload digest — so a damaged or truncated upload is refused. OpenPGP signatures are not
 * verified here (the repository re-signs with its own key).
 *
 * <p>Source packages are refused: a YUM repository of applications holds binary packages.
 */
public final class RpmPackageReader {
    static final int LEAD_SIZE = 96;

    // main header tags
    static final int NAME = 1000;
    static final int VERSION = 1001;
    static final int RELEASE = 1002;
    static final int EPOCH = 1003;
    static final int SUMMARY = 1004;
    static final int DESCRIPTION = 1005;
    static final int BUILDTIME = 1006;
    static final int BUILDHOST = 1007;
    static final int SIZE = 1009;
    static final int VENDOR = 1011;
    static final int LICENSE = 1014;
    static final int PACKAGER = 1015;
    static final int GROUP = 1016;
    static final int URL = 1020;
    static final int ARCH = 1022;
    static final int OLDFILENAMES = 1027;
    static final int FILEMODES = 1030;
    static final int FILEDIGESTS = 1035;
    static final int FILEFLAGS = 1037;
    static final int SOURCERPM = 1044;
    static final int ARCHIVESIZE = 1046;
    static final int PROVIDENAME = 1047;
    static final int REQUIREFLAGS = 1048;
    static final int REQUIRENAME = 1049;
    static final int REQUIREVERSION = 1050;
    static final int CONFLICTFLAGS = 1053;
    static final int CONFLICTNAME = 1054;
    static final int CONFLICTVERSION = 1055;
    static final int CHANGELOGTIME = 1080;
    static final int CHANGELOGNAME = 1081;
    static final int CHANGELOGTEXT = 1082;
    static final int OBSOLETENAME = 1090;
    static final int SOURCEPACKAGE = 1106;
    static final int PROVIDEFLAGS = 1112;
    static final int PROVIDEVERSION = 1113;
    static final int OBSOLETEFLAGS = 1114;
    static final int OBSOLETEVERSION = 1115;
    static final int DIRINDEXES = 1116;
    static final int BASENAMES = 1117;
    static final int DIRNAMES = 1118;
    static final int LONGSIZE = 5009;
    static final int RECOMMENDNAME = 5046;
    static final int SUGGESTNAME = 5049;
    static final int SUPPLEMENTNAME = 5052;
    static final int ENHANCENAME = 5055;
    static final int PAYLOADDIGEST = 5092;
    static final int PAYLOADDIGESTALGO = 5093;

    // signature header tags
    static final int SIG_SIZE = 1000;
    static final int SIG_PGP = 1002;
    static final int SIG_MD5 = 1004;
    static final int SIG_GPG = 1005;
    static final int SIG_PGP5 = 1006;
    static final int SIG_PAYLOADSIZE = 1007;
    static final int SIG_DSA = 267;
    static final int SIG_RSA = 268;
    static final int SIG_SHA1 = 269;
    static final int SIG_LONGSIZE = 270;
    static final int SIG_LONGARCHIVESIZE = 271;
    static final int SIG_SHA256 = 273;
    static final int SIG_OPENPGP = 278;

    private static final int RPMFILE_GHOST = 1 << 6;
    private static final int S_IFMT = 0170000;
    private static final int S_IFDIR = 0040000;
    private static final Pattern NAME_PATTERN = Pattern.compile("[A-Za-z0-9_+][A-Za-z0-9._+-]*");
    private static final Pattern VERSION_PATTERN = Pattern.compile("[A-Za-z0-9._+~^]+");
    private static final Pattern ARCH_PATTERN = Pattern.compile("[A-Za-z0-9_]+");

    private RpmPackageReader() {}

    /** The parts of an .rpm file as read, for {@link RpmSigner}. */
    record Parts(byte[] lead, RpmHeader signature, RpmHeader header, long headerStart, long headerEnd) {}

    public static RpmPackage read(Path rpm) throws IOException {
        return read(rpm, rpm.getFileName().toString());
    }

    /**
     * Reads and checks {@code rpm}; {@code displayName} (the uploaded file name) prefixes errors.
     *
     * @throws PackageRejectedException when the file is not a valid binary .rpm
     */
    public static RpmPackage read(Path rpm, String displayName) throws IOException {
        MessageDigest fileSha256 = digest("SHA-256");
        MessageDigest contentSha256 = digest("SHA-256");
        MessageDigest contentMd5 = digest("MD5");
        MessageDigest payloadSha256 = digest("SHA-256");
        long size = Files.size(rpm);
        Parts parts;
        long payloadBytes = 0;
        try (InputStream in = new java.security.DigestInputStream(
                new BufferedInputStream(Files.newInputStream(rpm), 1 << 16), fileSha256)) {
            parts = readParts(in, displayName);
            byte[] hb = parts.header().bytes();
            contentSha256.update(hb);
            contentMd5.update(hb);
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                contentSha256.update(buf, 0, n);
                contentMd5.update(buf, 0, n);
                payloadSha256.update(buf, 0, n);
                payloadBytes += n;
            }
        }
        RpmHeader sig = parts.signature();
        RpmHeader h = parts.header();
        HexFormat hex = HexFormat.of();
        byte[] headerBytes = h.bytes();

        // the digests the package carries must match what was read
        String sha256Header = sig.string(SIG_SHA256);
        if (sha256Header != null && !sha256Header.equalsIgnoreCase(hex.formatHex(digest("SHA-256").digest(headerBytes)))) {
            throw reject(displayName, "damaged: the header's SHA-256 does not match the signature header");
        }
        String sha1Header = sig.string(SIG_SHA1);
        if (sha1Header != null && !sha1Header.equalsIgnoreCase(hex.formatHex(digest("SHA-1").digest(headerBytes)))) {
            throw reject(displayName, "damaged: the header's SHA-1 does not match the signature header");
        }
        byte[] md5 = sig.binary(SIG_MD5);
        if (md5 != null && !Arrays.equals(md5, contentMd5.digest())) {
            throw reject(displayName, "damaged or truncated: the MD5 of header and payload does not match the signature header");
        }
        Long declaredSize = sig.has(SIG_LONGSIZE) ? sig.number(SIG_LONGSIZE) : sig.number(SIG_SIZE);
        long contentSize = headerBytes.length + payloadBytes;
        if (declaredSize != null && declaredSize != contentSize) {
            throw reject(displayName, "damaged or truncated: header and payload are " + contentSize
                    + " bytes, the signature header says " + declaredSize);
        }
        List<String> payloadDigest = h.strings(PAYLOADDIGEST);
        Long payloadAlgo = h.number(PAYLOADDIGESTALGO);
        if (!payloadDigest.isEmpty() && (payloadAlgo == null || payloadAlgo == 8)
                && !payloadDigest.get(0).equalsIgnoreCase(hex.formatHex(payloadSha256.digest()))) {
            throw reject(displayName, "damaged or truncated: the payload's SHA-256 does not match the header's payload digest");
        }
        if (sha256Header == null && sha1Header == null && md5 == null && payloadDigest.isEmpty()) {
            throw reject(displayName, "the package carries no digest (SHA-256, SHA-1, MD5 or payload digest) to check it with");
        }

        // identity and metadata
        String name = required(h, NAME, "Name", displayName);
        String version = required(h, VERSION, "Version", displayName);
        String release = required(h, RELEASE, "Release", displayName);
        String arch = required(h, ARCH, "Arch", displayName);
        if (!NAME_PATTERN.matcher(name).matches()) {
            throw reject(displayName, "header: Name '" + name + "' is not a valid package name");
        }
        if (!VERSION_PATTERN.matcher(version).matches() || !VERSION_PATTERN.matcher(release).matches()) {
            throw reject(displayName, "header: Version '" + version + "' or Release '" + release
                    + "' has characters rpm does not allow (letters, digits, . _ + ~ ^)");
        }
        if (!ARCH_PATTERN.matcher(arch).matches()) {
            throw reject(displayName, "header: Arch '" + arch + "' is not an architecture");
        }
        if ((parts.lead()[7] & 0xff) == 1 || h.has(SOURCEPACKAGE) || h.string(SOURCERPM) == null) {
            throw reject(displayName, "a source package; only binary packages are published");
        }
        Long epoch = h.number(EPOCH);

        long installed = h.has(LONGSIZE) ? h.number(LONGSIZE) : h.has(SIZE) ? h.number(SIZE) : 0;
        long archive;
        if (sig.has(SIG_LONGARCHIVESIZE)) {
            archive = sig.number(SIG_LONGARCHIVESIZE);
        } else if (sig.has(SIG_PAYLOADSIZE)) {
            archive = sig.number(SIG_PAYLOADSIZE);
        } else if (h.has(ARCHIVESIZE)) {
            archive = h.number(ARCHIVESIZE);
        } else {
            archive = h.has(SIG_LONGARCHIVESIZE) ? h.number(SIG_LONGARCHIVESIZE) : 0;
        }

        List<String> keyIds = new ArrayList<>();
        for (int tag : new int[] {SIG_RSA, SIG_DSA, SIG_PGP, SIG_GPG}) {
            byte[] s = sig.binary(tag);
            if (s != null) {
                keyIds.add(keyId(s));
            }
        }

        return new RpmPackage(
                name, epoch, version, release, arch,
                str(h, SUMMARY), str(h, DESCRIPTION), str(h, URL), str(h, PACKAGER), str(h, VENDOR),
                str(h, LICENSE), str(h, GROUP), str(h, BUILDHOST), str(h, SOURCERPM),
                h.has(BUILDTIME) ? h.number(BUILDTIME) : 0,
                installed, archive,
                parts.headerStart(), parts.headerEnd(),
                files(h, displayName),
                deps(h, PROVIDENAME, PROVIDEFLAGS, PROVIDEVERSION, displayName),
                deps(h, REQUIRENAME, REQUIREFLAGS, REQUIREVERSION, displayName),
                deps(h, CONFLICTNAME, CONFLICTFLAGS, CONFLICTVERSION, displayName),
                deps(h, OBSOLETENAME, OBSOLETEFLAGS, OBSOLETEVERSION, displayName),
                deps(h, RECOMMENDNAME, RECOMMENDNAME + 2, RECOMMENDNAME + 1, displayName),
                deps(h, SUGGESTNAME, SUGGESTNAME + 2, SUGGESTNAME + 1, displayName),
                deps(h, SUPPLEMENTNAME, SUPPLEMENTNAME + 2, SUPPLEMENTNAME + 1, displayName),
                deps(h, ENHANCENAME, ENHANCENAME + 2, ENHANCENAME + 1, displayName),
                changelogs(h),
                size,
                hex.formatHex(fileSha256.digest()),
                hex.formatHex(contentSha256.digest()),
                !payloadDigest.isEmpty(),
                keyIds);
    }

    /** Reads lead, signature header, padding and main header, leaving {@code in} at the payload. */
    static Parts readParts(InputStream in, String displayName) throws IOException {
        try {
            byte[] lead = in.readNBytes(LEAD_SIZE);
            if (lead.length < LEAD_SIZE || (lead[0] & 0xff) != 0xed || (lead[1] & 0xff) != 0xab
                    || (lead[2] & 0xff) != 0xee || (lead[3] & 0xff) != 0xdb) {
                throw reject(displayName, "not an .rpm (no lead signature)");
            }
            if ((lead[4] & 0xff) < 3) {
                throw reject(displayName, "rpm format " + (lead[4] & 0xff) + " is too old (v3 or later needed)");
            }
            if (ByteBuffer.wrap(lead).getShort(78) != 5) {
                throw reject(displayName, "the lead does not announce a header-style signature (signature type 5)");
            }
            RpmHeader sig = readHeader(in, displayName, "signature header");
            if (!sig.hasRegion(RpmHeader.HEADER_SIGNATURES) && !sig.hasRegion(61)) {
                throw reject(displayName, "signature header without its region tag");
            }
            int sigLen = sig.bytes().length;
            int pad = (8 - sigLen % 8) % 8;
            if (in.readNBytes(pad).length != pad) {
                throw new EOFException();
            }
            long headerStart = LEAD_SIZE + sigLen + pad;
            RpmHeader header = readHeader(in, displayName, "header");
            if (!header.hasRegion(RpmHeader.HEADER_IMMUTABLE)) {
                throw reject(displayName, "an rpm v3 package (header without immutable region); rebuild it with rpm 4.x");
            }
            return new Parts(lead, sig, header, headerStart, headerStart + header.bytes().length);
        } catch (EOFException e) {
            throw reject(displayName, "truncated in the lead or headers");
        }
    }

    private static RpmHeader readHeader(InputStream in, String displayName, String what) throws IOException {
        byte[] intro = in.readNBytes(16);
        if (intro.length < 16) {
            throw new EOFException();
        }
        long len;
        try {
            len = RpmHeader.lengthFromIntro(intro);
        } catch (IllegalArgumentException e) {
            throw reject(displayName, what + ": " + e.getMessage());
        }
        byte[] rest = in.readNBytes((int) (len - 16));
        if (rest.length < len - 16) {
            throw new EOFException();
        }
        byte[] all = new byte[(int) len];
        System.arraycopy(intro, 0, all, 0, 16);
        System.arraycopy(rest, 0, all, 16, rest.length);
        try {
            return RpmHeader.parse(all);
        } catch (IllegalArgumentException e) {
            throw reject(displayName, what + ": " + e.getMessage());
        }
    }

    private static List<RpmPackage.RpmFile> files(RpmHeader h, String displayName) {
        List<String> paths = new ArrayList<>();
        if (h.has(BASENAMES)) {
            List<String> base = h.strings(BASENAMES);
            List<String> dirs = h.strings(DIRNAMES);
            long[] idx = h.numbers(DIRINDEXES);
            if (idx.length != base.size()) {
                throw reject(displayName, "header: file name tags disagree (" + base.size() + " base names, " + idx.length + " directory indexes)");
            }
            for (int i = 0; i < base.size(); i++) {
                if (idx[i] < 0 || idx[i] >= dirs.size()) {
                    throw reject(displayName, "header: directory index out of range for " + base.get(i));
                }
                paths.add(dirs.get((int) idx[i]) + base.get(i));
            }
        } else {
            paths.addAll(h.strings(OLDFILENAMES));
        }
        long[] modes = h.numbers(FILEMODES);
        long[] flags = h.numbers(FILEFLAGS);
        List<String> digests = h.strings(FILEDIGESTS);
        List<RpmPackage.RpmFile> out = new ArrayList<>(paths.size());
        for (int i = 0; i < paths.size(); i++) {
            long mode = i < modes.length ? modes[i] : 0;
            long flag = i < flags.length ? flags[i] : 0;
            RpmPackage.RpmFile.Kind kind = (mode & S_IFMT) == S_IFDIR ? RpmPackage.RpmFile.Kind.DIR
                    : (flag & RPMFILE_GHOST) != 0 ? RpmPackage.RpmFile.Kind.GHOST : RpmPackage.RpmFile.Kind.FILE;
            out.add(new RpmPackage.RpmFile(paths.get(i), kind, i < digests.size() ? digests.get(i) : ""));
        }
        return out;
    }

    private static List<RpmPackage.RpmDependency> deps(RpmHeader h, int nameTag, int flagsTag, int versionTag, String displayName) {
        List<String> names = h.strings(nameTag);
        long[] flags = h.numbers(flagsTag);
        List<String> versions = h.strings(versionTag);
        List<RpmPackage.RpmDependency> out = new ArrayList<>(names.size());
        for (int i = 0; i < names.size(); i++) {
            out.add(new RpmPackage.RpmDependency(names.get(i), i < flags.length ? (int) flags[i] : 0,
                    i < versions.size() ? versions.get(i) : ""));
        }
        return out;
    }

    private static List<RpmPackage.RpmChangelog> changelogs(RpmHeader h) {
        long[] times = h.numbers(CHANGELOGTIME);
        List<String> names = h.strings(CHANGELOGNAME);
        List<String> texts = h.strings(CHANGELOGTEXT);
        int n = Math.min(times.length, Math.min(names.size(), texts.size()));
        List<RpmPackage.RpmChangelog> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(new RpmPackage.RpmChangelog(names.get(i), times[i], texts.get(i)));
        }
        return out;
    }

    private static String required(RpmHeader h, int tag, String what, String displayName) {
        String s = h.string(tag);
        if (s == null || s.isBlank()) {
            throw reject(displayName, "header: missing " + what);
        }
        return s;
    }

    private static String str(RpmHeader h, int tag) {
        String s = h.string(tag);
        return s == null ? "" : s;
    }

    /** The issuer key ID of an OpenPGP signature packet, upper-case hex, or "unknown". */
    static String keyId(byte[] packet) {
        try {
            Object o = new BcPGPObjectFactory(new BCPGInputStream(new java.io.ByteArrayInputStream(packet))).nextObject();
            if (o instanceof PGPSignatureList l && !l.isEmpty()) {
                return String.format(Locale.ROOT, "%016X", l.get(0).getKeyID());
            }
        } catch (IOException | RuntimeException e) {
            // not parseable
        }
        return "unknown";
    }

    private static MessageDigest digest(String algorithm) {
        try {
            return MessageDigest.getInstance(algorithm);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static PackageRejectedException reject(String file, String reason) {
        return new PackageRejectedException(file, reason);
    }
}

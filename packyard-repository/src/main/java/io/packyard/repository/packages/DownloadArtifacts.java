package io.packyard.repository.packages;

import io.packyard.msi.db.MsiReader;
import io.packyard.msi.db.MsiVersion;
import io.packyard.python.PackyardException;
import io.packyard.python.version.InvalidVersionException;
import io.packyard.python.version.Version;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/**
 * The plain downloads a repository offers next to its APT and YUM packages: Packyard's Windows
 * installers ({@code <name>-<version>-<arch>.msi}, arch {@code x64} or {@code arm64}) and portable
 * archives ({@code <name>-<version>-<target>.zip} and {@code .tar.gz}, target such as
 * {@code windows-x64} or {@code linux-x86_64}), checked before they are accepted.
 *
 * <p>What is checked: the file name follows the convention above strictly, the version is a valid
 * PEP 440 version, and the content is what the name says. A .zip or .tar.gz must be a readable
 * archive (the whole tar is read, so a truncated gzip is refused) whose every entry lies inside
 * the single top folder {@code <name>-<version>/}, with no absolute or {@code ..} paths. An .msi
 * must be an OLE compound file (magic {@code D0 CF 11 E0 A1 B1 1A E1}) holding a Windows Installer
 * database, whose own metadata is read ({@link MsiReader}: the Property table and the summary
 * information) and checked against the name: ProductName and Manufacturer present, ProductVersion
 * the name's version (as Packyard's {@link MsiVersion} maps it, {@code 1.2.3} is {@code 1.2.3400},
 * or literally the same version, for installers made by other tools), and the Template's platform
 * ({@code x64}, {@code Arm64}) the one the name says ({@code Intel} or none, a 32-bit package,
 * matches neither).
 */
public final class DownloadArtifacts {
    /** The formats, as they appear in {@link PublishedPackage#format()} and in latest URLs. */
    public static final String MSI = "msi";
    public static final String ZIP = "zip";
    public static final String TAR_GZ = "tar.gz";

    private static final byte[] OLE_MAGIC = {(byte) 0xD0, (byte) 0xCF, 0x11, (byte) 0xE0, (byte) 0xA1, (byte) 0xB1, 0x1A, (byte) 0xE1};
    private static final Pattern MSI_NAME = Pattern.compile("([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)-([^-/]+)-(x64|arm64)\\.msi");
    private static final Pattern ARCHIVE_NAME = Pattern.compile(
            "([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)-([^-/]+)-((?:linux|windows|macos)-[a-z0-9_]+)\\.(zip|tar\\.gz)");

    private DownloadArtifacts() {}

    /**
     * A checked download.
     *
     * @param format {@link #MSI}, {@link #ZIP} or {@link #TAR_GZ}
     * @param name the project name as the file spells it
     * @param version the PEP 440 version as the file spells it
     * @param platform Packyard's target id: {@code windows-x64}, {@code linux-x86_64}, ...
     * @param metadata what the file's own metadata says, checked against the name: for an .msi
     *     ProductName, ProductVersion, Manufacturer, ProductCode, UpgradeCode (those present) and
     *     Template; empty for archives and for {@link #parseName}
     */
    public record Artifact(String format, String name, String version, String platform, Map<String, String> metadata) {
        public Artifact {
            metadata = Map.copyOf(metadata);
        }

        /** An artifact known by its name only. */
        public Artifact(String format, String name, String version, String platform) {
            this(format, name, version, platform, Map.of());
        }

        /** The lower-case project name, used as a store path segment. */
        public String project() {
            return name.toLowerCase(Locale.ROOT);
        }
    }

    /** The download format a file name claims ({@code msi}, {@code zip}, {@code tar.gz}), or empty. */
    public static Optional<String> formatOf(String fileName) {
        String lower = fileName.toLowerCase(Locale.ROOT);
        if (lower.endsWith(".msi")) {
            return Optional.of(MSI);
        }
        if (lower.endsWith(".zip")) {
            return Optional.of(ZIP);
        }
        if (lower.endsWith(".tar.gz")) {
            return Optional.of(TAR_GZ);
        }
        return Optional.empty();
    }

    /**
     * Parses the name only (no content check), for listing files already accepted.
     *
     * @throws PackageRejectedException when the name does not follow the convention
     */
    public static Artifact parseName(String fileName) {
        String format = formatOf(fileName).orElseThrow(() -> new PackageRejectedException(fileName,
                "not a .deb, .rpm, .msi, .zip or .tar.gz"));
        Matcher m = (format.equals(MSI) ? MSI_NAME : ARCHIVE_NAME).matcher(fileName);
        if (!m.matches()) {
            throw new PackageRejectedException(fileName, format.equals(MSI)
                    ? "expected Packyard's installer name <name>-<version>-<arch>.msi (arch x64 or arm64)"
                    : "expected Packyard's archive name <name>-<version>-<target>." + format
                            + " (target such as windows-x64 or linux-x86_64)");
        }
        String version = m.group(2);
        if (!Version.isValid(version)) {
            throw new PackageRejectedException(fileName, "version '" + version + "': not a valid PEP 440 version");
        }
        String platform = format.equals(MSI) ? "windows-" + m.group(3) : m.group(3);
        return new Artifact(format, m.group(1), version, platform);
    }

    /**
     * Checks a download's name and content.
     *
     * @param displayName the file name as uploaded; it carries the name, version and platform
     * @throws PackageRejectedException when the name or the content is wrong
     */
    public static Artifact inspect(Path file, String displayName) throws IOException {
        Artifact a = parseName(displayName);
        String top = a.name() + "-" + a.version();
        switch (a.format()) {
            case MSI -> {
                return checkMsi(file, displayName, a);
            }
            case ZIP -> checkZip(file, displayName, top);
            default -> checkTarGz(file, displayName, top);
        }
        return a;
    }

    /** The Template platform each .msi name arch requires (Windows Installer's spelling). */
    private static String templatePlatform(String platform) {
        return platform.equals("windows-arm64") ? "Arm64" : "x64";
    }

    private static Artifact checkMsi(Path file, String displayName, Artifact a) throws IOException {
        byte[] head;
        try (InputStream in = Files.newInputStream(file)) {
            head = in.readNBytes(512);
        }
        if (head.length < 512 || !java.util.Arrays.equals(head, 0, 8, OLE_MAGIC, 0, 8)) {
            throw new PackageRejectedException(displayName,
                    "not a Windows Installer package (no OLE compound file signature D0 CF 11 E0 A1 B1 1A E1)");
        }
        MsiReader.Info info;
        try {
            info = MsiReader.read(file);
        } catch (MsiReader.InvalidMsiException e) {
            throw new PackageRejectedException(displayName, "not a Windows Installer package: " + e.getMessage(), e);
        }
        for (String required : new String[] {"ProductName", "Manufacturer", "ProductVersion"}) {
            String v = info.property(required);
            if (v == null || v.isBlank()) {
                throw new PackageRejectedException(displayName, "Property table: " + required + " is missing");
            }
        }
        String productVersion = info.productVersion().strip();
        if (!versionMatches(productVersion, a.version())) {
            String expected;
            try {
                expected = MsiVersion.fromPep440(a.version()).toString();
            } catch (PackyardException e) {
                expected = null;
            }
            throw new PackageRejectedException(displayName, "Property table: ProductVersion " + productVersion
                    + " does not match version " + a.version() + " in the file name (expected "
                    + (expected == null ? "" : expected + ", Packyard's MSI form of it, or ") + a.version() + ")");
        }
        String wanted = templatePlatform(a.platform());
        if (!info.platform().equalsIgnoreCase(wanted)) {
            String said = info.platform().isEmpty() ? "no platform (Intel, 32-bit)" : "platform " + info.platform();
            throw new PackageRejectedException(displayName, "summary information: Template '" + info.template() + "' names "
                    + said + ", but the file name says " + a.platform().substring("windows-".length())
                    + " (expected Template " + wanted + ";<languages>)");
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        for (String p : new String[] {"ProductName", "ProductVersion", "Manufacturer", "ProductCode", "UpgradeCode"}) {
            String v = info.property(p);
            if (v != null && !v.isEmpty()) {
                metadata.put(p, v);
            }
        }
        metadata.put("Template", info.template());
        String platform = "windows-" + info.platform().toLowerCase(Locale.ROOT);
        return new Artifact(a.format(), a.name(), a.version(), platform, metadata);
    }

    /**
     * Whether an MSI ProductVersion stands for the PEP 440 version of a file name: Packyard's
     * mapping ({@link MsiVersion}), or the same version read as PEP 440 (an installer made by
     * another tool, {@code 1.2.3} for {@code 1.2.3}). Windows Installer ignores a fourth field,
     * so {@code 1.2.3400.0} matches {@code 1.2.3} too.
     */
    static boolean versionMatches(String productVersion, String nameVersion) {
        if (!productVersion.matches("\\d{1,5}(\\.\\d{1,5}){0,3}")) {
            return false;
        }
        String[] f = productVersion.split("\\.");
        try {
            MsiVersion mapped = MsiVersion.fromPep440(nameVersion);
            if (f.length >= 3 && Integer.parseInt(f[0]) == mapped.major() && Integer.parseInt(f[1]) == mapped.minor()
                    && Integer.parseInt(f[2]) == mapped.build()) {
                return true;
            }
        } catch (PackyardException e) {
            // no MSI form: only the literal comparison below can match
        }
        try {
            return Version.parse(productVersion).equals(Version.parse(nameVersion));
        } catch (InvalidVersionException e) {
            return false;
        }
    }

    private static void checkZip(Path file, String displayName, String top) throws IOException {
        int entries = 0;
        try (ZipFile zip = new ZipFile(file.toFile())) {
            for (Enumeration<? extends ZipEntry> e = zip.entries(); e.hasMoreElements(); ) {
                checkEntry(displayName, top, e.nextElement().getName());
                entries++;
            }
        } catch (ZipException e) {
            throw new PackageRejectedException(displayName, "not a readable zip archive: " + e.getMessage(), e);
        }
        if (entries == 0) {
            throw new PackageRejectedException(displayName, "the archive is empty");
        }
    }

    private static void checkTarGz(Path file, String displayName, String top) throws IOException {
        int entries = 0;
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(file));
                GzipCompressorInputStream gz = new GzipCompressorInputStream(raw, true);
                TarArchiveInputStream tar = new TarArchiveInputStream(gz)) {
            TarArchiveEntry e;
            while ((e = tar.getNextEntry()) != null) {
                checkEntry(displayName, top, e.getName());
                entries++;
            }
            gz.transferTo(java.io.OutputStream.nullOutputStream()); // to the end: the gzip CRC is checked
        } catch (PackageRejectedException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new PackageRejectedException(displayName, "not a readable gzip-compressed tar archive: " + e.getMessage(), e);
        }
        if (entries == 0) {
            throw new PackageRejectedException(displayName, "the archive is empty");
        }
    }

    private static void checkEntry(String displayName, String top, String entryName) {
        String n = entryName.startsWith("./") ? entryName.substring(2) : entryName;
        boolean inside = n.equals(top) || n.equals(top + "/") || n.startsWith(top + "/");
        boolean unsafe = n.startsWith("/") || n.contains("\\") || ("/" + n + "/").contains("/../");
        if (!inside || unsafe) {
            throw new PackageRejectedException(displayName, "entry '" + entryName
                    + "': expected every entry inside the single top folder " + top + "/");
        }
    }
}

package io.packyard.formats.msi;

// Agreement with the user interface (MsiUserInterface, MsiUi*: written by another author):
//   MsiFormat owns every non-dialog row. It writes the Directory row INSTALLDIR and the standard
//   actions of InstallUISequence (FindRelatedProducts 25, AppSearch 50, the INSTALLDIR custom
//   actions 51-53, LaunchConditions 100, ValidateProductID 700, CostInitialize 800, FileCost 900,
//   CostFinalize 1000, MigrateFeatureStates 1200, ExecuteAction 1300) before it calls
//   MsiUserInterface.addTo(db, new Options(product, eula, banner, dialog, "INSTALLDIR")).
//   The UI adds only dialog rows around them (PrepareDlg in the free slot below AppSearch, the
//   welcome/maintenance/progress dialogs in 1296-1299, the exit dialogs at -1..-3), the dialog
//   tables, its properties (DefaultUIFont, ErrorDialog, ...) and AdminUISequence plus a minimal
//   AdminExecuteSequence. MsiFormat never writes InstallExecuteSequence rows for dialogs and the UI
//   never writes InstallExecuteSequence.

import io.packyard.bundle.Bundle;
import io.packyard.bundle.BundleMetadata;
import io.packyard.bundle.Target;
import io.packyard.formats.PackageFormat;
import io.packyard.msi.cab.CabAttributes;
import io.packyard.msi.cab.CabinetResult;
import io.packyard.msi.cab.CabinetWriter;
import io.packyard.msi.db.BinaryValue;
import io.packyard.msi.db.MsiDatabase;
import io.packyard.msi.db.MsiVersion;
import io.packyard.msi.db.StandardTables;
import io.packyard.msi.db.SummaryInfo;
import io.packyard.msi.db.Table;
import io.packyard.python.PackyardException;
import io.packyard.python.util.Progress;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.Charset;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Windows Installer packages ({@code .msi}), written in pure Java: the database with
 * {@code io.packyard.msi.db}, the files in an embedded MSZIP cabinet with
 * {@code io.packyard.msi.cab}. The same bundle and SOURCE_DATE_EPOCH give the same bytes.
 *
 * <h2>What the package does</h2>
 * <ul>
 *   <li><b>Identity</b>: ProductName = the product's display name, Manufacturer = the company,
 *       ProductVersion from the PEP 440 version ({@link MsiVersion}), ProductLanguage 1033, codes
 *       derived as {@link MsiIds} explains (UpgradeCode configured or derived, ProductCode per
 *       version, PackageCode from the content). Summary information: Template {@code x64;1033}
 *       ({@code Arm64;1033}), schema 500 (Windows Installer 5, on every supported Windows), word
 *       count "compressed, long file names", plus "no elevation" for per-user packages.
 *   <li><b>Scope</b>: per machine (default): ALLUSERS=1, UAC elevation, installed under
 *       {@code [ProgramFiles64Folder]<Company>\<Product>}, registry under HKLM, the system PATH.
 *       Per user ({@code scope = "per-user"}): ALLUSERS left undefined (MSIINSTALLPERUSER only
 *       matters with ALLUSERS=2, which Packyard does not use: a package is one or the other), no
 *       elevation bit, {@code [LocalAppDataFolder]Programs\<Company>\<Product>}, HKCU, the user's
 *       PATH. {@code require-admin} adds a "Privileged" launch condition.
 *   <li><b>Files</b>: {@link MsiFileTree} (one component per directory, 8.3 names from
 *       {@link MsiShortNames}, empty directories kept), one feature that cannot be left out, the
 *       files in cabinet {@code #packyard.cab} (more cabinets only past 65,535 files or 1.5 GiB).
 *   <li><b>Upgrades, registry, PATH, shortcuts, Add/Remove Programs, launch conditions, hooks,
 *       sequences</b>: {@link MsiPackage}, each rule documented where its rows are written.
 *   <li><b>Dialogs</b>: {@link MsiUserInterface}; {@code msiexec /i app.msi /qn} installs
 *       silently with the same result.
 * </ul>
 *
 * <h2>For administrators</h2>
 * {@code msiexec /i app.msi /qn /l*v install.log} installs silently with a verbose log;
 * {@code INSTALLDIR=D:\Apps\Notes} chooses the folder (an upgrade otherwise stays where the previous
 * version is); {@code NO_CUSTOM_ACTIONS=1} skips the install hooks; {@code msiexec /x app.msi} or
 * {@code /x {ProductCode}} removes everything the package installed plus the hooks' install.log.
 * Installing the same .msi again is a maintenance install (no change); {@code msiexec /fa app.msi}
 * repairs (and runs the post-install hook as an upgrade from the same version). A different build
 * of the same version has the same ProductCode but another PackageCode, which msiexec refuses
 * (error 1638) until the installed one is removed or the version is raised.
 */
public final class MsiFormat implements PackageFormat {
    /** The embedded cabinet: Media.Cabinet is {@code #} + this name. */
    static final String CABINET = "packyard.cab";
    /** Files per cabinet (CFHEADER.cFiles is 16-bit). */
    static final int MAX_CABINET_FILES = CabinetWriter.MAX_FILES;
    /** Uncompressed bytes per cabinet, well below the 2 GiB cabinet limit even when MSZIP cannot compress. */
    static final long MAX_CABINET_BYTES = 3L << 29;

    private final int level;

    public MsiFormat() {
        this(6);
    }

    /** @param level the MSZIP (deflate) level, 0 (fastest) to 9 (smallest); 6 is the default */
    public MsiFormat(int level) {
        if (level < 0 || level > 9) {
            throw new IllegalArgumentException("deflate level must be 0 to 9: " + level);
        }
        this.level = level;
    }

    @Override
    public String id() {
        return "msi";
    }

    /** An .msi is signed with [tool.packyard.sign] (Authenticode) before it gets its final name. */
    @Override
    public boolean authenticode() {
        return true;
    }

    @Override
    public boolean supports(Target target) {
        return target.os() == Target.Os.WINDOWS;
    }

    /** {@code <name>-<version>-x64.msi} ({@code -arm64}), the normalized name and PEP 440 version. */
    @Override
    public String fileName(Bundle bundle) {
        BundleMetadata m = bundle.metadata();
        return m.name() + "-" + m.version() + "-" + architecture(m.target()) + ".msi";
    }

    static String architecture(Target target) {
        return switch (target) {
            case WINDOWS_X64 -> "x64";
            case WINDOWS_ARM64 -> "arm64";
            default -> throw PackyardException.build("msi: the bundle is for " + target.id() + ", not a Windows target");
        };
    }

    /** The summary information platform. */
    static String platform(Target target) {
        return target == Target.WINDOWS_ARM64 ? "Arm64" : "x64";
    }

    @Override
    public void write(Bundle bundle, Path out, Progress progress) throws IOException {
        String name = fileName(bundle);
        progress.step("Writing " + name);
        MsiPackage.Plan plan = MsiPackage.plan(bundle, progress);
        MsiFileTree tree = MsiFileTree.of(bundle, plan.upgradeCode(), MsiPackage.INSTALLDIR);
        int codepage = codepage(bundle, plan);
        if (codepage == 65001) {
            progress.warn(name + ": some names are not in the Windows-1252 code page; the database uses UTF-8,"
                    + " which msiexec installs correctly but its dialogs may show those characters wrongly");
        }
        MsiDatabase db = MsiDatabase.builder().codepage(codepage).build();
        try {
            MsiPackage.addTo(db, plan, tree);
            tree.addTo(db);
            MsiUserInterface.addTo(db, new MsiUserInterface.Options(plan.metadata().product(),
                    plan.options().eula(), plan.options().banner(), plan.options().dialog(), MsiPackage.INSTALLDIR));
        } catch (IllegalArgumentException e) {
            throw PackyardException.build(name + ": " + e.getMessage(), e);
        }

        List<Path> cabinets = new ArrayList<>();
        try {
            writeCabinets(bundle, tree, db, out, name, progress, cabinets);
            progress.step("Writing the installer database of " + name);
            BundleMetadata m = bundle.metadata();
            db.summary()
                    .codepage(1252)
                    .title("Installation Database")
                    .subject(ansi(m.product()))
                    .author(ansi(m.company()))
                    .keywords("Installer")
                    .comments(ansi("This installer database contains the logic and data required to install "
                            + m.product() + "."))
                    .template(platform(m.target()) + ";1033")
                    .packageCode(MsiIds.packageCode(plan.upgradeCode(), digest(db)))
                    .timestamp(Instant.ofEpochSecond(bundle.sourceDateEpoch()))
                    .pageCount(500)
                    .wordCount(SummaryInfo.WORDCOUNT_COMPRESSED | (plan.perUser() ? SummaryInfo.WORDCOUNT_NO_ELEVATION : 0))
                    .security(SummaryInfo.SECURITY_READ_ONLY_RECOMMENDED)
                    .creatingApplication("Packyard");
            db.write(out);
        } finally {
            for (Path c : cabinets) {
                Files.deleteIfExists(c);
            }
        }
    }

    /**
     * Compresses the files into one cabinet (several past {@link #MAX_CABINET_FILES} files or
     * {@link #MAX_CABINET_BYTES} bytes), written beside {@code out} and named after it (the caller
     * deletes what starts with the output's name on failure; this method deletes them when the
     * database is written), and adds the Media rows and streams.
     */
    private void writeCabinets(Bundle bundle, MsiFileTree tree, MsiDatabase db, Path out, String name,
            Progress progress, List<Path> cabinets) throws IOException {
        List<MsiFileTree.CabFile> files = tree.cabinetFiles();
        long total = files.stream().mapToLong(MsiFileTree.CabFile::size).sum();
        progress.step("Compressing " + files.size() + " files (" + (total >> 20) + " MiB) into " + name);
        List<List<MsiFileTree.CabFile>> chunks = new ArrayList<>();
        List<MsiFileTree.CabFile> chunk = new ArrayList<>();
        long bytes = 0;
        for (MsiFileTree.CabFile f : files) {
            if (!chunk.isEmpty() && (chunk.size() == MAX_CABINET_FILES || bytes + f.size() > MAX_CABINET_BYTES)) {
                chunks.add(chunk);
                chunk = new ArrayList<>();
                bytes = 0;
            }
            chunk.add(f);
            bytes += f.size();
        }
        if (!chunk.isEmpty() || chunks.isEmpty()) {
            chunks.add(chunk);
        }
        Table media = db.table(StandardTables.MEDIA);
        int sequence = 1;
        long done = 0;
        for (int i = 0; i < chunks.size(); i++) {
            if (chunks.get(i).isEmpty()) {
                media.add(i + 1, 0, null, null, null, null);
                continue;
            }
            String cabName = i == 0 ? CABINET : CABINET.replace(".cab", (i + 1) + ".cab");
            Path cab = out.resolveSibling(out.getFileName() + "." + cabName);
            Files.deleteIfExists(cab);
            cabinets.add(cab);
            long offset = done;
            CabinetWriter writer = CabinetWriter.builder()
                    .level(level)
                    .firstSequence(sequence)
                    .label(name + ": #" + cabName)
                    .progress(new Progress() {
                        @Override
                        public void step(String message) {
                            progress.step(message);
                        }

                        @Override
                        public void advance(long d, long t) {
                            progress.advance(offset + d, total);
                        }
                    })
                    .build();
            for (MsiFileTree.CabFile f : chunks.get(i)) {
                writer.add(f.key(), f.source(), bundle.sourceDateEpoch(), CabAttributes.ARCHIVE);
            }
            CabinetResult result = writer.write(cab);
            int expected = sequence;
            for (CabinetResult.CabinetFile f : result.files()) {
                if (f.sequence() != expected++) {
                    throw new IllegalStateException("cabinet sequence " + f.sequence() + " for " + f.name()
                            + ", expected " + (expected - 1));
                }
            }
            int last = sequence + chunks.get(i).size() - 1;
            media.add(i + 1, last, null, "#" + cabName, null, null);
            db.addStream(cabName, cab);
            sequence = last + 1;
            done += result.uncompressedSize();
        }
    }

    /**
     * 1252 (Windows Latin 1, what Windows Installer's tools use) when every name fits in it,
     * else 65001 (UTF-8), which msiexec installs correctly but whose dialogs may show some
     * characters wrongly.
     */
    static int codepage(Bundle bundle, MsiPackage.Plan plan) {
        CharsetEncoder cp1252 = Charset.forName("windows-1252").newEncoder();
        List<String> strings = new ArrayList<>();
        bundle.entries().forEach(e -> strings.add(e.fileName()));
        BundleMetadata m = bundle.metadata();
        strings.addAll(List.of(m.product(), m.company(), m.summary(), m.maintainer(), m.homepage(), m.version()));
        plan.options().documentationUrl().ifPresent(strings::add);
        strings.addAll(plan.startMenu().keySet());
        strings.addAll(plan.desktop().keySet());
        for (String s : strings) {
            if (!cp1252.canEncode(s)) {
                return 65001;
            }
        }
        return 1252;
    }

    /** The summary information is in code page 1252: characters outside it become '?'. */
    static String ansi(String s) {
        CharsetEncoder cp1252 = Charset.forName("windows-1252").newEncoder();
        StringBuilder b = new StringBuilder();
        s.codePoints().forEach(cp -> {
            String c = new String(Character.toChars(cp));
            b.append(cp1252.canEncode(c) ? c : "?");
        });
        return b.toString();
    }

    /**
     * The SHA-256 of the database's content: every table (name, rows, binary cells) and every
     * named stream (the cabinets), in their fixed order. The PackageCode derives from it.
     */
    static byte[] digest(MsiDatabase db) throws IOException {
        MessageDigest md = MsiIds.sha256();
        for (Table t : db.tables()) {
            text(md, "table " + t.name());
            for (List<Object> row : t.rows()) {
                text(md, "row");
                for (Object v : row) {
                    if (v == null) {
                        text(md, "null");
                    } else if (v instanceof Integer i) {
                        text(md, "int " + i);
                    } else if (v instanceof BinaryValue b) {
                        text(md, "binary " + b.size());
                        stream(md, b);
                    } else {
                        text(md, "string " + v);
                    }
                }
            }
        }
        for (var e : db.streams().entrySet()) {
            text(md, "stream " + e.getKey() + " " + e.getValue().size());
            stream(md, e.getValue());
        }
        return md.digest();
    }

    private static void text(MessageDigest md, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        md.update(String.format(Locale.ROOT, "%08x", b.length).getBytes(StandardCharsets.US_ASCII));
        md.update(b);
    }

    private static void stream(MessageDigest md, BinaryValue b) throws IOException {
        try (InputStream in = b.open()) {
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
            }
        }
    }
}

package io.packyard.formats.rpm;

import io.packyard.bundle.Bundle;
import io.packyard.bundle.BundleMetadata;
import io.packyard.bundle.Compression;
import io.packyard.bundle.Layout;
import io.packyard.bundle.Target;
import io.packyard.formats.PackageFormat;
import io.packyard.formats.linux.InstallTree;
import io.packyard.formats.linux.PackageText;
import io.packyard.formats.scripts.MaintainerScripts;
import io.packyard.formats.services.ServiceFiles;
import io.packyard.python.PackyardException;
import io.packyard.python.util.Progress;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.packager.rpm.RpmTag;
import org.eclipse.packager.rpm.build.BuilderContext;
import org.eclipse.packager.rpm.build.BuilderOptions;
import org.eclipse.packager.rpm.build.DigestAlgorithm;
import org.eclipse.packager.rpm.build.FileInformation;
import org.eclipse.packager.rpm.build.FileInformationProvider;
import org.eclipse.packager.rpm.build.RpmBuilder;
import org.apache.commons.compress.compressors.zstandard.ZstdUtils;
import org.eclipse.packager.rpm.coding.PayloadCoding;
import org.eclipse.packager.rpm.deps.Dependency;
import org.eclipse.packager.rpm.deps.RpmDependencyFlags;
import org.eclipse.packager.rpm.header.Header;

/**
 * RPM packages, written with Eclipse Packager's {@link RpmBuilder}: xz payload, SHA-256 file
 * digests, every file owned by root with its bundle mode and the bundle's SOURCE_DATE_EPOCH as
 * mtime, build time SOURCE_DATE_EPOCH and build host {@value #BUILD_HOST}, so the same bundle
 * gives the same bytes.
 *
 * <p>The package owns {@code /opt/<company>} and everything below it: two products of one
 * company both own {@code /opt/<company>} (rpm allows shared directory ownership when the
 * attributes agree, and removes the directory with the last owner), while {@code /opt} and
 * {@code /usr/bin} stay with the distribution's filesystem package. Each command is a relative
 * symlink {@code /usr/bin/<command> -> ../../opt/<company>/<product>/<launcher>}. The header
 * carries one %changelog entry dated SOURCE_DATE_EPOCH. Scriptlets {@code %post}, {@code %preun}
 * and {@code %postun} come
 * from {@link MaintainerScripts}; {@code %pre} only with services (it creates their accounts,
 * with Requires(pre) on getent, groupadd and useradd, and stops them before an upgrade).
 * Services add their units, a preset that enables them, and configuration files under
 * {@code /etc/<company>/<product>/} marked {@code %config(noreplace)} ({@link ServiceFiles},
 * docs/services.md).
 */
public final class RpmFormat implements PackageFormat {
    static final String BUILD_HOST = "packyard";
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_+][A-Za-z0-9._+-]*");
    private static final Pattern REQUIREMENT =
            Pattern.compile("\\s*([^\\s<>=]+)\\s*(?:(<=|>=|<|>|=)\\s*([^\\s<>=]\\S*))?\\s*");

    /** The xz preset of an xz payload unless told otherwise. */
    public static final int DEFAULT_XZ_PRESET = 6;
    /**
     * The zstd level of a zstd payload. Fedora's rpmbuild writes 19, but Eclipse Packager 0.21
     * reads only the first digit of the level it is given ("19" would be 1), so 9 is the
     * highest it can write.
     */
    public static final int ZSTD_LEVEL = 9;

    private final int xzPreset;

    public RpmFormat() {
        this(DEFAULT_XZ_PRESET);
    }

    /** @param xzPreset 0 (fastest) to 9 (smallest), for packages whose payload is xz ({@code [tool.packyard.rpm] compression}) */
    public RpmFormat(int xzPreset) {
        if (xzPreset < 0 || xzPreset > 9) {
            throw new IllegalArgumentException("xz preset must be 0 to 9: " + xzPreset);
        }
        this.xzPreset = xzPreset;
    }

    @Override
    public String id() {
        return "rpm";
    }

    @Override
    public boolean supports(Target target) {
        return target.os() == Target.Os.LINUX;
    }

    @Override
    public String fileName(Bundle bundle) {
        BundleMetadata m = bundle.metadata();
        RpmVersion v = RpmVersion.fromPep440(m.version());
        return packageName(m) + "-" + v.version() + "-" + v.release() + "." + architecture(m.target()) + ".rpm";
    }

    static String packageName(BundleMetadata m) {
        if (!NAME.matcher(m.name()).matches()) {
            throw PackyardException.config("[project].name: '" + m.name() + "' is not a valid RPM package name");
        }
        return m.name();
    }

    static String architecture(Target target) {
        return switch (target) {
            case LINUX_X86_64 -> "x86_64";
            case LINUX_AARCH64 -> "aarch64";
            default -> throw new IllegalArgumentException("no RPM architecture for " + target);
        };
    }

    @Override
    public void write(Bundle bundle, Path out, Progress progress) throws IOException {
        BundleMetadata m = bundle.metadata();
        String name = packageName(m);
        RpmVersion v = RpmVersion.fromPep440(m.version());
        Layout layout = InstallTree.checkedLayout(m);
        InstallTree tree = InstallTree.of(bundle, "/opt/" + layout.companySlug(), false,
                ServiceFiles.nodes(m, name, ServiceFiles.Flavor.RPM));
        Set<String> config = Set.copyOf(ServiceFiles.conffiles(m));
        for (InstallTree.Node n : tree.nodes()) {
            if (n.isFile() && n.size() > Integer.MAX_VALUE) {
                // Eclipse Packager 0.21 writes 32-bit FILESIZES and a newc cpio payload only
                throw PackyardException.build("rpm: " + n.path() + " is " + n.size()
                        + " bytes; files of 2 GiB and more cannot be written to an .rpm yet (use deb or tar.gz)");
            }
        }
        long sde = bundle.sourceDateEpoch();
        if (sde < 0 || sde > Integer.MAX_VALUE) {
            throw PackyardException.build("SOURCE_DATE_EPOCH " + sde + " does not fit an RPM timestamp (32 bits)");
        }
        Instant mtime = Instant.ofEpochSecond(sde);
        boolean zstd = m.rpm().compression() == Compression.ZSTD;
        progress.step("Writing " + fileName(bundle) + " (" + (zstd ? "zstd -" + ZSTD_LEVEL : "xz -" + xzPreset) + ")");
        PackageText.warnAboutMaintainer(m, progress);

        BuilderOptions options = new BuilderOptions();
        if (zstd) {
            if (!ZstdUtils.isZstdCompressionAvailable()) {
                throw PackyardException.build("rpm: zstd compression is not available on this machine (zstd-jni could"
                        + " not load its native library; is java.io.tmpdir mounted noexec?); set [tool.packyard.rpm]"
                        + " compression = \"xz\"");
            }
            options.setPayloadCoding(PayloadCoding.ZSTD);
            options.setPayloadFlags(Integer.toString(ZSTD_LEVEL));
        } else {
            options.setPayloadCoding(PayloadCoding.XZ);
            options.setPayloadFlags(Integer.toString(xzPreset));
        }
        options.setFileDigestAlgorithm(DigestAlgorithm.SHA256);
        options.setOpenOptions(new java.nio.file.OpenOption[] {
            java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE
        });
        org.eclipse.packager.rpm.RpmVersion version = new org.eclipse.packager.rpm.RpmVersion(
                v.epoch() == 0 ? null : v.epoch(), v.version(), v.release());

        try (RpmBuilder builder = new RpmBuilder(name, version, architecture(m.target()), out, options)) {
            RpmBuilder.PackageInformation info = builder.getInformation();
            info.setSummary(PackageText.summary(m));
            info.setDescription(PackageText.wrap(PackageText.description(m), 79));
            info.setLicense(m.license().isBlank() ? "Unknown" : m.license().strip().replaceAll("\\s+", " "));
            info.setGroup("Applications/System");
            info.setVendor(m.company());
            info.setPackager(m.maintainer());
            info.setBuildHost(BUILD_HOST);
            info.setOperatingSystem("linux");
            if (!m.homepage().isBlank()) {
                info.setUrl(m.homepage().strip());
            }
            // rpm treats a package without SOURCERPM as a source package
            info.setSourcePackage(name + "-" + v.version() + "-" + v.release() + ".src.rpm");

            for (Dependency d : requirements(m)) {
                builder.addRequirement(d.getName(), d.getVersion(), d.getFlags().toArray(RpmDependencyFlags[]::new));
            }

            if (!ServiceFiles.accounts(m).isEmpty()) {
                // %pre creates the services' accounts (Fedora's packaging guidelines: Requires(pre) on the tools)
                for (String tool : List.of("/usr/bin/getent", "/usr/sbin/groupadd", "/usr/sbin/useradd")) {
                    builder.addRequirement(tool, null, RpmDependencyFlags.SCRIPT_PRE);
                }
            }
            MaintainerScripts scripts = MaintainerScripts.of(m, name);
            if (scripts.hasRpmPre()) {
                builder.setPreInstallationScript(scripts.rpmPre());
            }
            builder.setPostInstallationScript(scripts.rpmPost());
            builder.setPreRemoveScript(scripts.rpmPreun());
            builder.setPostRemoveScript(scripts.rpmPostun());

            String changelogAuthor = m.maintainer() + " - " + v;
            String changelogText = "- " + PackageText.productName(m) + " " + m.version() + ", packaged by Packyard.";
            builder.setHeaderCustomizer(header -> {
                reproducibleHeader(header, sde);
                header.putInt(RpmTag.CHANGELOG_TIMESTAMP, (int) sde);
                header.putStringArray(RpmTag.CHANGELOG_AUTHOR, changelogAuthor);
                header.putStringArray(RpmTag.CHANGELOG_TEXT, changelogText);
            });

            BuilderContext ctx = builder.newContext();
            long total = tree.fileBytes();
            long done = 0;
            for (InstallTree.Node n : tree.nodes()) {
                switch (n.kind()) {
                    case DIRECTORY -> ctx.addDirectory(n.path(), provider(0755, mtime));
                    case SYMLINK -> ctx.addSymbolicLink(n.path(), relativeTarget(n), provider(0777, mtime));
                    case FILE -> {
                        FileInformationProvider<Object> fileInfo = config.contains(n.path())
                                ? configProvider(rpmMode(n), mtime) : provider(rpmMode(n), mtime);
                        if (n.content() != null) {
                            ctx.addFile(n.path(), ByteBuffer.wrap(n.content()), fileInfo);
                        } else {
                            ctx.addFile(n.path(), n.source(), fileInfo);
                        }
                        done += n.size();
                        progress.advance(done, total);
                    }
                }
            }
            builder.build();
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(out);
            throw e;
        }
    }

    /**
     * RPM distributions (Fedora, openSUSE) want shared libraries ({@code lib*.so*}) executable,
     * unlike Debian, whose bundle modes Packyard's Bundle follows (0644).
     */
    static int rpmMode(InstallTree.Node n) {
        String name = n.path().substring(n.path().lastIndexOf('/') + 1);
        return SHARED_LIBRARY.matcher(name).matches() ? n.mode() | 0111 : n.mode();
    }

    private static final java.util.regex.Pattern SHARED_LIBRARY = java.util.regex.Pattern.compile("lib.*\\.so(\\.[0-9]+)*");

    /**
     * Absolute link targets (the /usr/bin links) become relative, as rpmlint and the Fedora
     * guidelines want; {@code /usr/bin/x -> ../../opt/acme/notes/bin/x}.
     */
    static String relativeTarget(InstallTree.Node n) {
        String target = n.linkTarget();
        if (!target.startsWith("/")) {
            return target;
        }
        // string arithmetic, not java.nio.file.Path: the build may run on Windows
        String[] from = n.path().substring(1).split("/");
        String[] to = target.substring(1).split("/");
        int common = 0;
        while (common < from.length - 1 && common < to.length && from[common].equals(to[common])) {
            common++;
        }
        StringBuilder rel = new StringBuilder();
        for (int i = common; i < from.length - 1; i++) {
            rel.append("../");
        }
        rel.append(String.join("/", java.util.Arrays.asList(to).subList(common, to.length)));
        return rel.toString();
    }

    private static <T> FileInformationProvider<T> provider(int mode, Instant mtime) {
        return (target, object, type) -> {
            FileInformation fi = new FileInformation();
            fi.setMode((short) mode);
            fi.setTimestamp(mtime);
            fi.setUser(BuilderContext.DEFAULT_USER);
            fi.setGroup(BuilderContext.DEFAULT_GROUP);
            return fi;
        };
    }

    /** A configuration file: {@code %config(noreplace)}, so an administrator's changes survive upgrades (.rpmnew). */
    private static <T> FileInformationProvider<T> configProvider(int mode, Instant mtime) {
        return (target, object, type) -> {
            FileInformation fi = new FileInformation();
            fi.setMode((short) mode);
            fi.setTimestamp(mtime);
            fi.setUser(BuilderContext.DEFAULT_USER);
            fi.setGroup(BuilderContext.DEFAULT_GROUP);
            fi.setFileFlags(EnumSet.of(org.eclipse.packager.rpm.FileFlags.CONFIGURATION,
                    org.eclipse.packager.rpm.FileFlags.NOREPLACE));
            return fi;
        };
    }

    /**
     * Build time from SOURCE_DATE_EPOCH instead of the clock, and the rpmlib name of the xz
     * payload requirement, which Eclipse Packager 0.21 writes without its "rpmlib(...)" wrapper.
     */
    private static void reproducibleHeader(Header<RpmTag> header, long sde) {
        header.putInt(RpmTag.BUILDTIME, (int) sde);
        String[] names = (String[]) raw(header, RpmTag.REQUIRE_NAME);
        String[] versions = (String[]) raw(header, RpmTag.REQUIRE_VERSION);
        int[] flags = ints(raw(header, RpmTag.REQUIRE_FLAGS));
        int rpmlib = RpmDependencyFlags.encode(EnumSet.of(RpmDependencyFlags.RPMLIB));
        record Req(String name, String version, int flags) {}
        List<Req> reqs = new ArrayList<>();
        for (int i = 0; i < names.length; i++) {
            String name = names[i];
            if ((flags[i] & rpmlib) != 0 && !name.startsWith("rpmlib(")) {
                name = "rpmlib(" + name + ")";
            }
            reqs.add(new Req(name, versions[i] == null ? "" : versions[i], flags[i]));
        }
        reqs.sort(java.util.Comparator.comparing(Req::name).thenComparing(Req::version).thenComparingInt(Req::flags));
        header.putStringArray(RpmTag.REQUIRE_NAME, reqs.stream().map(Req::name).toArray(String[]::new));
        header.putStringArray(RpmTag.REQUIRE_VERSION, reqs.stream().map(Req::version).toArray(String[]::new));
        header.putInt(RpmTag.REQUIRE_FLAGS, reqs.stream().mapToInt(Req::flags).toArray());
    }

    private static Object raw(Header<RpmTag> header, RpmTag tag) {
        Object v = header.get(tag);
        return v instanceof org.eclipse.packager.rpm.RpmTagValue t ? t.getValue() : v;
    }

    private static int[] ints(Object value) {
        if (value instanceof int[] a) {
            return a;
        }
        Integer[] boxed = (Integer[]) value;
        int[] out = new int[boxed.length];
        for (int i = 0; i < boxed.length; i++) {
            out[i] = boxed[i];
        }
        return out;
    }

    /**
     * Requires: the system interpreter when the bundle has none (its files are for exactly
     * that X.Y: {@code python(abi) = X.Y}, which Fedora, RHEL and SUSE interpreters provide), then
     * [tool.packyard.rpm].requires entries, each {@code name} or {@code name OP version}.
     * Library dependencies of bundled binaries are not computed (no find-requires).
     */
    static List<Dependency> requirements(BundleMetadata m) {
        Set<Dependency> out = new LinkedHashSet<>();
        if (!m.bundledInterpreter()) {
            out.add(new Dependency("/usr/bin/python3", null));
            out.add(new Dependency("python(abi)", m.pythonVersion(), RpmDependencyFlags.EQUAL));
        }
        for (String r : m.rpmRequires()) {
            Matcher x = REQUIREMENT.matcher(r);
            if (!x.matches()) {
                throw PackyardException.config("[tool.packyard.rpm].requires: '" + r
                        + "' is not 'name' or 'name OP version' (OP one of <, <=, =, >=, >)");
            }
            if (x.group(2) == null) {
                out.add(new Dependency(x.group(1), null));
            } else {
                EnumSet<RpmDependencyFlags> flags = EnumSet.noneOf(RpmDependencyFlags.class);
                if (x.group(2).contains("<")) {
                    flags.add(RpmDependencyFlags.LESS);
                }
                if (x.group(2).contains(">")) {
                    flags.add(RpmDependencyFlags.GREATER);
                }
                if (x.group(2).contains("=")) {
                    flags.add(RpmDependencyFlags.EQUAL);
                }
                out.add(new Dependency(x.group(1), x.group(3), flags));
            }
        }
        return new ArrayList<>(out);
    }
}

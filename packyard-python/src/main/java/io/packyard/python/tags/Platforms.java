package io.packyard.python.tags;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Ordered platform tags (most specific first) for a target machine, as
 * {@code packaging.tags.platform_tags()} computes them on that machine.
 */
public final class Platforms {


    private Platforms() {}

    /**
     * Linux platform tags for a glibc-based target: {@code manylinux_2_{minor}_{arch}} from the
     * target's glibc down to the oldest meaningful one, each legacy alias right after its PEP 600
     * equivalent ({@code manylinux2014} after 2_17, {@code manylinux2010} after 2_12,
     * {@code manylinux1} after 2_5), then {@code linux_{arch}}.
     *
     * <p>As in {@code packaging}: for {@code x86_64} and {@code i686} the list goes down to glibc
     * 2.5; for every other architecture manylinux starts at 2.17 (manylinux2014), so it stops there.
     *
     * @param arch the machine as {@code uname -m} / {@code sysconfig} names it ({@code x86_64},
     *             {@code aarch64}, {@code i686}, {@code armv7l}, {@code ppc64le}, {@code s390x}, ...)
     */
    public static List<String> manylinux(String arch, int glibcMajor, int glibcMinor) {
        String a = normalizeArch(arch);
        if (glibcMajor != 2) {
            throw new IllegalArgumentException("unsupported glibc major version " + glibcMajor + " (only 2.x exists)");
        }
        if (glibcMinor < 0) {
            throw new IllegalArgumentException("negative glibc minor version " + glibcMinor);
        }
        int oldest = a.equals("x86_64") || a.equals("i686") ? 5 : 17;
        List<String> out = new ArrayList<>();
        for (int minor = glibcMinor; minor >= oldest; minor--) {
            out.add("manylinux_2_" + minor + "_" + a);
            String legacy = legacyAlias(minor);
            if (legacy != null) {
                out.add(legacy + "_" + a);
            }
        }
        out.add("linux_" + a);
        return List.copyOf(out);
    }

    /**
     * Linux platform tags for a musl-based target (PEP 656): {@code musllinux_1_{minor}_{arch}}
     * from the target's musl down to {@code musllinux_1_0}, then {@code linux_{arch}}.
     */
    public static List<String> musllinux(String arch, int muslMajor, int muslMinor) {
        String a = normalizeArch(arch);
        if (muslMinor < 0 || muslMajor < 1) {
            throw new IllegalArgumentException("invalid musl version " + muslMajor + "." + muslMinor);
        }
        List<String> out = new ArrayList<>();
        for (int minor = muslMinor; minor >= 0; minor--) {
            out.add("musllinux_" + muslMajor + "_" + minor + "_" + a);
        }
        out.add("linux_" + a);
        return List.copyOf(out);
    }

    /**
     * The Windows platform tag for a machine as Windows names it ({@code platform.machine()}):
     * {@code AMD64} → {@code win_amd64}, {@code ARM64} → {@code win_arm64}, {@code x86} →
     * {@code win32}. Also accepts {@code x86_64}, {@code aarch64}, {@code i686}, {@code win32}.
     */
    public static List<String> windows(String machine) {
        Objects.requireNonNull(machine, "machine");
        String tag = switch (machine.toLowerCase(Locale.ROOT)) {
            case "amd64", "x86_64", "x64", "win_amd64" -> "win_amd64";
            case "arm64", "aarch64", "win_arm64" -> "win_arm64";
            case "x86", "i386", "i686", "win32" -> "win32";
            default -> throw new IllegalArgumentException("unknown Windows machine '" + machine
                    + "' (expected AMD64, ARM64 or x86)");
        };
        return List.of(tag);
    }

    private static String legacyAlias(int minor) {
        return switch (minor) {
            case 17 -> "manylinux2014";
            case 12 -> "manylinux2010";
            case 5 -> "manylinux1";
            default -> null;
        };
    }

    private static String normalizeArch(String arch) {
        Objects.requireNonNull(arch, "arch");
        String a = arch.strip();
        if (a.isEmpty() || !a.matches("[A-Za-z0-9_]+")) {
            throw new IllegalArgumentException("invalid architecture '" + arch + "'");
        }
        return a.toLowerCase(Locale.ROOT);
    }
}

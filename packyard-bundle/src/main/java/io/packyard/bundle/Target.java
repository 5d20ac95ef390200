package io.packyard.bundle;

import io.packyard.python.PackyardException;
import java.util.List;
import java.util.Locale;

/**
 * A platform Packyard builds for, such as {@code linux-x86_64} or {@code windows-x64}. Everything
 * that depends on the target (wheel tags, marker values, install scheme, interpreter triple)
 * starts here.
 */
public enum Target {
    LINUX_X86_64("linux-x86_64", Os.LINUX, "x86_64", "x86_64-unknown-linux-gnu"),
    LINUX_AARCH64("linux-aarch64", Os.LINUX, "aarch64", "aarch64-unknown-linux-gnu"),
    WINDOWS_X64("windows-x64", Os.WINDOWS, "AMD64", "x86_64-pc-windows-msvc"),
    WINDOWS_ARM64("windows-arm64", Os.WINDOWS, "ARM64", "aarch64-pc-windows-msvc");

    /** Operating system family of a target. */
    public enum Os {
        LINUX,
        WINDOWS
    }

    private final String id;
    private final Os os;
    private final String machine;
    private final String triple;

    Target(String id, Os os, String machine, String triple) {
        this.id = id;
        this.os = os;
        this.machine = machine;
        this.triple = triple;
    }

    /** The name used on the command line and in file names, e.g. {@code linux-x86_64}. */
    public String id() {
        return id;
    }

    public Os os() {
        return os;
    }

    /** {@code platform.machine()} on the target, e.g. {@code x86_64} or {@code AMD64}. */
    public String machine() {
        return machine;
    }

    /** The target triple python-build-standalone names its archives with. */
    public String triple() {
        return triple;
    }

    /** The target this JVM runs on, if Packyard supports it. */
    public static Target host() {
        String osName = System.getProperty("os.name").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
        boolean arm = arch.equals("aarch64") || arch.equals("arm64");
        if (osName.startsWith("windows")) {
            return arm ? WINDOWS_ARM64 : WINDOWS_X64;
        }
        return arm ? LINUX_AARCH64 : LINUX_X86_64;
    }

    /** True when binaries built for this target run on the machine Packyard runs on. */
    public boolean runsOnHost() {
        return this == host() && !System.getProperty("os.name").toLowerCase(Locale.ROOT).startsWith("mac");
    }

    public static Target parse(String text) {
        for (Target t : values()) {
            if (t.id.equals(text)) {
                return t;
            }
        }
        throw PackyardException.config("--target: unknown target '" + text + "' (known: "
                + String.join(", ", List.of(values()).stream().map(Target::id).toList()) + ")");
    }

    @Override
    public String toString() {
        return id;
    }
}

package io.packyard.python.upload;

import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The wheel platform tags PyPI accepts (Warehouse's {@code _valid_platform_tag}). */
final class PlatformTags {

    private static final Set<String> STATIC = Set.of(
            "any", "win32", "win_arm64", "win_amd64", "win_ia64",
            "manylinux1_x86_64", "manylinux1_i686",
            "manylinux2010_x86_64", "manylinux2010_i686",
            "manylinux2014_x86_64", "manylinux2014_i686", "manylinux2014_aarch64", "manylinux2014_armv7l",
            "manylinux2014_ppc64", "manylinux2014_ppc64le", "manylinux2014_s390x",
            "linux_armv6l", "linux_armv7l");
    private static final Pattern MACOS = Pattern.compile("macosx_(\\d+)_(\\d+)_(.*)");
    private static final Set<String> MACOS_ARCHES = Set.of("ppc", "ppc64", "i386", "x86_64", "arm64", "intel", "fat",
            "fat3", "fat64", "universal", "universal2");
    private static final Set<String> MACOS_MAJORS = Set.of("11", "12", "13", "14", "15", "26");
    private static final Pattern LINUX = Pattern.compile("(many|musl)linux_(\\d+)_(\\d+)_(.*)");
    private static final Set<String> JOINT_LINUX_ARCHES = Set.of("x86_64", "i686", "aarch64", "armv7l", "ppc64le",
            "s390x", "riscv64");
    private static final Pattern IOS = Pattern.compile("ios_(\\d+)_(\\d+)_(.*)_(iphoneos|iphonesimulator)");
    private static final Set<String> IOS_ARCHES = Set.of("arm64", "x86_64");
    private static final Pattern ANDROID = Pattern.compile("android_(\\d+)_(.*)");
    private static final Set<String> ANDROID_ARCHES = Set.of("armeabi_v7a", "arm64_v8a", "x86", "x86_64");
    private static final Pattern EMSCRIPTEN = Pattern.compile("pyemscripten_(\\d+)_(\\d+)_wasm32");

    private PlatformTags() {}

    static boolean allowedOnPublicIndex(String platform) {
        if (STATIC.contains(platform)) {
            return true;
        }
        Matcher m = MACOS.matcher(platform);
        if (m.matches() && MACOS_ARCHES.contains(m.group(3))) {
            if (m.group(1).equals("10")) {
                return true;
            }
            return MACOS_MAJORS.contains(m.group(1)) && m.group(2).equals("0");
        }
        m = LINUX.matcher(platform);
        if (m.matches()) {
            String arch = m.group(4);
            return JOINT_LINUX_ARCHES.contains(arch) || (m.group(1).equals("many") && arch.equals("ppc64"));
        }
        m = IOS.matcher(platform);
        if (m.matches()) {
            return IOS_ARCHES.contains(m.group(3));
        }
        m = ANDROID.matcher(platform);
        if (m.matches()) {
            return ANDROID_ARCHES.contains(m.group(2));
        }
        return EMSCRIPTEN.matcher(platform).matches();
    }
}

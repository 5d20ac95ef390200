package io.packyard.python.markers;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The values of the PEP 508 marker variables for one target interpreter. Packyard evaluates
 * markers for the TARGET (the machine the installer will run on), never for the build host.
 *
 * <p>{@code platformRelease} and {@code platformVersion} describe the target's kernel/OS build,
 * which is unknown when building for another machine; the factories leave them empty.
 */
public record MarkerEnvironment(
        String osName,
        String sysPlatform,
        String platformMachine,
        String platformPythonImplementation,
        String platformSystem,
        String implementationName,
        String pythonVersion,
        String pythonFullVersion,
        String implementationVersion,
        String platformRelease,
        String platformVersion) {

    public MarkerEnvironment {
        Objects.requireNonNull(osName, "osName");
        Objects.requireNonNull(sysPlatform, "sysPlatform");
        Objects.requireNonNull(platformMachine, "platformMachine");
        Objects.requireNonNull(platformPythonImplementation, "platformPythonImplementation");
        Objects.requireNonNull(platformSystem, "platformSystem");
        Objects.requireNonNull(implementationName, "implementationName");
        Objects.requireNonNull(pythonVersion, "pythonVersion");
        Objects.requireNonNull(pythonFullVersion, "pythonFullVersion");
        Objects.requireNonNull(implementationVersion, "implementationVersion");
        Objects.requireNonNull(platformRelease, "platformRelease");
        Objects.requireNonNull(platformVersion, "platformVersion");
    }

    /**
     * A CPython on Linux: os_name {@code posix}, sys_platform {@code linux}, platform_system
     * {@code Linux}, platform_machine as given ({@code x86_64}, {@code aarch64}, ...).
     *
     * @param pythonFullVersion e.g. {@code 3.12.1}; python_version is derived from it ({@code 3.12})
     */
    public static MarkerEnvironment linux(String machine, String pythonFullVersion) {
        return cpython("posix", "linux", machine, "Linux", pythonFullVersion);
    }

    /**
     * A CPython on Windows: os_name {@code nt}, sys_platform {@code win32}, platform_system
     * {@code Windows}, platform_machine as Windows reports it ({@code AMD64}, {@code ARM64},
     * {@code x86}).
     */
    public static MarkerEnvironment windows(String machine, String pythonFullVersion) {
        return cpython("nt", "win32", machine, "Windows", pythonFullVersion);
    }

    /** A CPython on macOS: os_name {@code posix}, sys_platform {@code darwin}, platform_system {@code Darwin}. */
    public static MarkerEnvironment macos(String machine, String pythonFullVersion) {
        return cpython("posix", "darwin", machine, "Darwin", pythonFullVersion);
    }

    private static MarkerEnvironment cpython(String osName, String sysPlatform, String machine, String system,
            String fullVersion) {
        Objects.requireNonNull(machine, "machine");
        return new MarkerEnvironment(osName, sysPlatform, machine, "CPython", system, "cpython",
                majorMinor(fullVersion), fullVersion, fullVersion, "", "");
    }

    /** "3.12.1" → "3.12" (python_version is {@code '.'.join(platform.python_version_tuple()[:2])}). */
    static String majorMinor(String fullVersion) {
        Objects.requireNonNull(fullVersion, "pythonFullVersion");
        String[] parts = fullVersion.strip().split("\\.");
        if (parts.length < 2 || !parts[0].chars().allMatch(Character::isDigit) || parts[0].isEmpty()) {
            throw new IllegalArgumentException("not a Python version (X.Y or X.Y.Z): " + fullVersion);
        }
        StringBuilder minor = new StringBuilder();
        for (char c : parts[1].toCharArray()) {
            if (!Character.isDigit(c)) {
                break;
            }
            minor.append(c);
        }
        if (minor.isEmpty()) {
            throw new IllegalArgumentException("not a Python version (X.Y or X.Y.Z): " + fullVersion);
        }
        return parts[0] + "." + minor;
    }

    /** This environment with another Python version (e.g. to check a wheel for 3.11 and 3.12). */
    public MarkerEnvironment withPythonFullVersion(String fullVersion) {
        return new MarkerEnvironment(osName, sysPlatform, platformMachine, platformPythonImplementation,
                platformSystem, implementationName, majorMinor(fullVersion), fullVersion,
                implementationName.equals("cpython") ? fullVersion : implementationVersion,
                platformRelease, platformVersion);
    }

    /** The variables by their PEP 508 names (without {@code extra}), in a fixed order. */
    public Map<String, String> asMap() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("implementation_name", implementationName);
        m.put("implementation_version", implementationVersion);
        m.put("os_name", osName);
        m.put("platform_machine", platformMachine);
        m.put("platform_python_implementation", platformPythonImplementation);
        m.put("platform_release", platformRelease);
        m.put("platform_system", platformSystem);
        m.put("platform_version", platformVersion);
        m.put("python_full_version", pythonFullVersion);
        m.put("python_version", pythonVersion);
        m.put("sys_platform", sysPlatform);
        return java.util.Collections.unmodifiableMap(m);
    }

    /** The value of one marker variable by its PEP 508 name (legacy dotted names accepted). */
    public Optional<String> get(String variable) {
        String key = Marker.canonicalVariable(variable.toLowerCase(Locale.ROOT));
        return key == null ? Optional.empty() : Optional.ofNullable(asMap().get(key));
    }
}

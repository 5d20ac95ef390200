package io.packyard.formats.msi;

import io.packyard.bundle.WindowsOptions;
import io.packyard.python.PackyardException;
import java.util.ArrayList;
import java.util.List;

/**
 * The launch condition for {@code [tool.packyard.msi].windows}.
 *
 * <h2>Why not VersionNT</h2>
 * msiexec.exe is manifested only up to Windows 8.1, so on Windows 10, 11 and Server 2016 and
 * later Windows Installer reports the compatibility values VersionNT = 603 and WindowsBuild =
 * 9600 (Microsoft's "VersionNT value for Windows 10 and Windows Server" article); neither tells
 * those systems apart. The real build number is the REG_SZ value
 * {@code HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\CurrentBuildNumber}, which no
 * compatibility shim changes: AppSearch reads it (64-bit view) into {@link #BUILD_PROPERTY}, and
 * Windows Installer compares a property holding digits as an integer. MsiNTProductType tells a
 * workstation (1) from a domain controller (2) or server (3).
 *
 * <h2>The mapping</h2>
 * <pre>
 *   "10"           MsiNTProductType = 1   build 10240 .. 21999
 *   "11"           MsiNTProductType = 1   build 22000 and later
 *   "server-2016"  MsiNTProductType > 1   build 14393 .. 17762
 *   "server-2019"  MsiNTProductType > 1   build 17763 .. 20347
 *   "server-2022"  MsiNTProductType > 1   build 20348 .. 26099
 *   "server-2025"  MsiNTProductType > 1   build 26100 and later
 * </pre>
 * The newest version of each family also accepts later builds, so a package that runs on
 * Windows 11 is not refused by the next feature update. Adjacent versions merge into one range
 * ({@code ["10", "11"]} is one test, build 10240 and later), which keeps every combination within
 * the 255 characters of LaunchCondition.Condition. The condition starts with {@code Installed OR},
 * so an installed product can always be repaired and removed, even after the machine was
 * upgraded to a Windows the package does not list. A machine whose build number cannot be read
 * is refused: an unset property compared with a number is false.
 */
final class MsiWindowsVersions {
    /** The property AppSearch fills with CurrentBuildNumber. */
    static final String BUILD_PROPERTY = "PACKYARD_OSBUILD";

    private MsiWindowsVersions() {}

    /** The condition accepting exactly the listed versions (at most 255 characters, the column's limit). */
    static String condition(List<String> versions) {
        for (String v : versions) {
            if (!WindowsOptions.KNOWN_WINDOWS.contains(v)) {
                throw PackyardException.config("[tool.packyard.msi].windows: unknown Windows version '" + v + "'");
            }
        }
        List<String> families = new ArrayList<>();
        family(families, "MsiNTProductType=1", versions, List.of("10", "11"), new int[] {10240, 22000});
        family(families, "MsiNTProductType<>1", versions,
                List.of("server-2016", "server-2019", "server-2022", "server-2025"),
                new int[] {14393, 17763, 20348, 26100});
        String condition = "Installed OR " + String.join(" OR ", families);
        if (condition.length() > 255) {
            throw new IllegalStateException("launch condition too long: " + condition);
        }
        return condition;
    }

    /**
     * Adds {@code (productType AND (range OR ...))} for the listed members of one family, whose
     * builds start at {@code starts} (each version up to the next one's start, the last open);
     * adjacent versions merge into one range.
     */
    private static void family(List<String> out, String productType, List<String> versions, List<String> members,
            int[] starts) {
        List<String> ranges = new ArrayList<>();
        int i = 0;
        while (i < members.size()) {
            if (!versions.contains(members.get(i))) {
                i++;
                continue;
            }
            int from = starts[i];
            int j = i;
            while (j + 1 < members.size() && versions.contains(members.get(j + 1))) {
                j++;
            }
            String b = BUILD_PROPERTY;
            ranges.add(j + 1 < members.size() ? b + ">=" + from + " AND " + b + "<" + starts[j + 1] : b + ">=" + from);
            i = j + 1;
        }
        if (ranges.isEmpty()) {
            return;
        }
        String body = ranges.size() == 1 ? ranges.getFirst()
                : "(" + String.join(") OR (", ranges) + ")";
        out.add("(" + productType + " AND " + (ranges.size() == 1 ? body : "(" + body + ")") + ")");
    }

    /** "Windows 10, Windows 11 or Windows Server 2022", for the refusal message. */
    static String describe(List<String> versions) {
        List<String> names = new ArrayList<>();
        for (String v : WindowsOptions.KNOWN_WINDOWS) {
            if (versions.contains(v)) {
                names.add(v.startsWith("server-") ? "Windows Server " + v.substring(7) : "Windows " + v);
            }
        }
        if (names.size() == 1) {
            return names.getFirst();
        }
        return String.join(", ", names.subList(0, names.size() - 1)) + " or " + names.getLast();
    }
}

package io.packyard.formats;

import io.packyard.python.PackyardException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The registry of package formats: the one place that lists them all. */
public final class PackageFormats {
    private static final Map<String, PackageFormat> FORMATS = new LinkedHashMap<>();

    static {
        for (PackageFormat f : List.<PackageFormat>of(
                // formats register here, one line each
                new io.packyard.formats.deb.DebFormat(),
                new io.packyard.formats.rpm.RpmFormat(),
                new io.packyard.formats.targz.TarGzFormat(),
                new io.packyard.formats.msi.MsiFormat(),
                new io.packyard.formats.zip.ZipFormat(),
                new io.packyard.formats.onefile.OnefileFormat(),
                new io.packyard.formats.oci.OciFormat(),
                new io.packyard.formats.wheel.WheelFormat(),
                new io.packyard.formats.sdist.SdistFormat()
                )) {
            FORMATS.put(f.id(), f);
        }
    }

    private PackageFormats() {}

    public static List<PackageFormat> all() {
        return List.copyOf(FORMATS.values());
    }

    /** The formats built when --format is not given: every default format that supports the target. */
    public static List<PackageFormat> defaultsFor(io.packyard.bundle.Target target) {
        return FORMATS.values().stream().filter(f -> f.supports(target) && f.builtByDefault()).toList();
    }

    /** Parses a comma-separated {@code --format} value. */
    public static List<PackageFormat> parse(String commaSeparated) {
        List<PackageFormat> out = new ArrayList<>();
        for (String id : commaSeparated.split(",")) {
            String t = id.trim();
            if (t.isEmpty()) {
                continue;
            }
            PackageFormat f = FORMATS.get(t);
            if (f == null) {
                throw PackyardException.config("--format: unknown format '" + t + "' (known: "
                        + String.join(", ", FORMATS.keySet()) + ")");
            }
            if (!out.contains(f)) {
                out.add(f);
            }
        }
        if (out.isEmpty()) {
            throw PackyardException.config("--format: no format given");
        }
        return out;
    }
}

package io.packyard.python.names;

import java.util.Locale;
import java.util.regex.Pattern;

/** Project names as the packaging specs define them (name normalization, wheel filename escaping). */
public final class ProjectName {
    private static final Pattern VALID =
            Pattern.compile("^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$", Pattern.CASE_INSENSITIVE);
    private static final Pattern SEPARATORS = Pattern.compile("[-_.]+");

    private ProjectName() {}

    /** True when {@code name} is a valid project name (core metadata "Name"). */
    public static boolean isValid(String name) {
        return name != null && VALID.matcher(name).matches();
    }

    /** The normalized form used in index URLs: lower case, runs of -_. become one "-". */
    public static String normalize(String name) {
        return SEPARATORS.matcher(name).replaceAll("-").toLowerCase(Locale.ROOT);
    }

    /** The form used in wheel and sdist file names: normalized, with "_" as separator. */
    public static String wheelEscape(String name) {
        return SEPARATORS.matcher(name).replaceAll("_").toLowerCase(Locale.ROOT);
    }
}

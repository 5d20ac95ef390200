package io.packyard.repository.packages;

import java.util.regex.Pattern;

/** Validation of store paths and of the names that become path segments. */
public final class StorePaths {
    /** Repository, channel (suite) and component names: what may appear as one URL path segment. */
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._+-]{0,63}");
    private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9._+~^:%@=,-]+");

    private StorePaths() {}

    /** True for a relative '/'-separated path of safe segments, none of them {@code .} or {@code ..}. */
    public static boolean isValid(String path) {
        if (path == null || path.isEmpty() || path.startsWith("/") || path.endsWith("/")) {
            return false;
        }
        for (String s : path.split("/", -1)) {
            if (s.isEmpty() || s.equals(".") || s.equals("..") || !SEGMENT.matcher(s).matches()) {
                return false;
            }
        }
        return true;
    }

    public static String check(String path) {
        if (!isValid(path)) {
            throw new IllegalArgumentException("not a valid store path: " + path);
        }
        return path;
    }

    /** True for a repository, channel or component name: lower-case letters, digits, {@code . _ + -}. */
    public static boolean isName(String name) {
        return name != null && NAME.matcher(name).matches();
    }

    /**
     * Checks a repository, channel or component name; {@code what} names it in the one-line error,
     * e.g. {@code repository 'Acme Notes': expected lower-case letters, digits, '.', '_', '+', '-'}.
     */
    public static String checkName(String what, String name) {
        if (!isName(name)) {
            throw io.packyard.python.PackyardException.config(what + " '" + name
                    + "': expected 1 to 64 lower-case letters, digits, '.', '_', '+' or '-', starting with a letter or digit");
        }
        return name;
    }
}

package io.packyard.python.upload;

import java.util.Optional;
import java.util.regex.Pattern;

/** Safety rules for member paths in wheels and sdists. */
final class ArchivePaths {

    private static final Pattern DRIVE = Pattern.compile("^[A-Za-z]:.*");

    private ArchivePaths() {}

    /**
     * Why {@code name} (a '/'-separated archive path; a trailing '/' marks a directory) is unsafe,
     * or empty when it is a plain relative path: no absolute path, drive letter, backslash, control
     * character, {@code ..}, {@code .} or empty segment.
     */
    static Optional<String> problem(String name) {
        if (name.isEmpty()) {
            return Optional.of("empty member name");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                return Optional.of("control character in path");
            }
        }
        if (name.startsWith("/")) {
            return Optional.of("absolute path");
        }
        if (name.indexOf('\\') >= 0) {
            return Optional.of("backslash in path");
        }
        if (DRIVE.matcher(name).matches()) {
            return Optional.of("drive letter in path");
        }
        String body = name.endsWith("/") ? name.substring(0, name.length() - 1) : name;
        for (String seg : body.split("/", -1)) {
            if (seg.equals("..")) {
                return Optional.of("path escapes the archive (..)");
            }
            if (seg.isEmpty() || seg.equals(".")) {
                return Optional.of("path is not normalized");
            }
        }
        return Optional.empty();
    }

    /** Replaces control characters so a name can go into a one-line message. */
    static String printable(String s) {
        StringBuilder b = new StringBuilder();
        for (char c : s.toCharArray()) {
            if (c < 0x20 || c == 0x7f) {
                b.append(String.format("\\x%02x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.length() > 200 ? b.substring(0, 200) + "..." : b.toString();
    }
}

package io.packyard.python.wheel;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An entry point from {@code entry_points.txt}: {@code name = module:attr.path [extras]}.
 *
 * @param group the section, for example {@code console_scripts}
 * @param name the entry point name (for scripts: the command name)
 * @param module the dotted module name
 * @param attribute the dotted attribute path inside the module, empty when the entry point names a module
 * @param extras the extras in brackets (informational: installers ignore them)
 */
public record EntryPoint(String group, String name, String module, String attribute, List<String> extras) {

    public static final String CONSOLE_SCRIPTS = "console_scripts";
    public static final String GUI_SCRIPTS = "gui_scripts";

    private static final String IDENTIFIER = "[\\p{L}\\p{Nl}_][\\p{L}\\p{Nl}\\p{Mn}\\p{Mc}\\p{Nd}\\p{Pc}]*";
    private static final String DOTTED = IDENTIFIER + "(?:\\s*\\.\\s*" + IDENTIFIER + ")*";
    private static final Pattern VALUE = Pattern.compile(
            "\\s*(" + DOTTED + ")\\s*(?::\\s*(" + DOTTED + "))?\\s*(?:\\[([^\\]]*)\\])?\\s*");
    private static final Pattern DOTTED_PATTERN = Pattern.compile(DOTTED);

    public EntryPoint {
        extras = List.copyOf(extras);
        if (!DOTTED_PATTERN.matcher(module).matches()) {
            throw new IllegalArgumentException("invalid module name: " + module);
        }
        if (!attribute.isEmpty() && !DOTTED_PATTERN.matcher(attribute).matches()) {
            throw new IllegalArgumentException("invalid attribute path: " + attribute);
        }
    }

    /**
     * Parses an object reference {@code module:attr.path [extras]} (or a bare {@code module}).
     *
     * @throws IllegalArgumentException if the reference is malformed
     */
    public static EntryPoint parse(String group, String name, String value) {
        Matcher m = VALUE.matcher(value);
        if (!m.matches()) {
            throw new IllegalArgumentException("invalid object reference '" + value.strip()
                    + "' (expected module:attribute [extras])");
        }
        String module = m.group(1).replaceAll("\\s+", "");
        String attr = m.group(2) == null ? "" : m.group(2).replaceAll("\\s+", "");
        List<String> extras = new ArrayList<>();
        if (m.group(3) != null) {
            for (String e : m.group(3).split(",")) {
                if (!e.isBlank()) {
                    extras.add(e.strip());
                }
            }
        }
        return new EntryPoint(group, name, module, attr, extras);
    }

    /**
     * Parses {@code entry_points.txt} (INI syntax: {@code [group]} headers, {@code name = value}
     * lines, {@code #} and {@code ;} comments). Names keep their case.
     *
     * @throws IllegalArgumentException naming the line when the text is malformed
     */
    public static List<EntryPoint> parseFile(String text) {
        return parseFile(text, null);
    }

    /**
     * Like {@link #parseFile(String)}, keeping only (and validating only) the entries of the given
     * groups; entries of other groups are skipped even when malformed, as pip does.
     */
    public static List<EntryPoint> parseFile(String text, java.util.Set<String> groups) {
        List<EntryPoint> result = new ArrayList<>();
        String group = null;
        int lineNo = 0;
        for (String raw : text.split("\r\n|\r|\n", -1)) {
            lineNo++;
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#") || line.startsWith(";")) {
                continue;
            }
            if (line.startsWith("[")) {
                if (!line.endsWith("]")) {
                    throw new IllegalArgumentException("line " + lineNo + ": malformed section header " + line);
                }
                group = line.substring(1, line.length() - 1).strip();
                continue;
            }
            int eq = line.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("line " + lineNo + ": expected name = value, got " + line);
            }
            if (group == null) {
                throw new IllegalArgumentException("line " + lineNo + ": entry outside of a [section]");
            }
            String name = line.substring(0, eq).strip();
            if (groups != null && !groups.contains(group)) {
                continue;
            }
            try {
                result.add(parse(group, name, line.substring(eq + 1)));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("line " + lineNo + ": [" + group + "] " + name + ": " + e.getMessage());
            }
        }
        return result;
    }

    /** The first component of {@link #attribute()}, the name imported from the module. */
    public String importName() {
        int dot = attribute.indexOf('.');
        return dot < 0 ? attribute : attribute.substring(0, dot);
    }

    /** {@code module:attribute} (or {@code module}), without extras. */
    public String reference() {
        return attribute.isEmpty() ? module : module + ":" + attribute;
    }

    @Override
    public String toString() {
        return name + " = " + reference() + (extras.isEmpty() ? "" : " [" + String.join(",", extras) + "]");
    }
}

package io.packyard.repository.apt;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * One deb822 paragraph (a .deb's {@code control} file, a {@code Packages} stanza) with its fields
 * in order. A value keeps its continuation lines verbatim ({@code "line one\n more"}), so a
 * paragraph written back is the paragraph read, field for field.
 */
public final class ControlParagraph {
    private static final Pattern FIELD_NAME = Pattern.compile("[!-9;-~&&[^#-]][!-9;-~]*");

    /** A field: its name as written and its value without the space after the colon. */
    public record Field(String name, String value) {}

    private final List<Field> fields;

    public ControlParagraph(List<Field> fields) {
        this.fields = List.copyOf(fields);
    }

    /**
     * Parses exactly one paragraph. Blank lines at the start and end are allowed; a blank line in
     * between, a line that is neither a field nor a continuation, a field without a name or a
     * repeated field are errors ({@code IllegalArgumentException} with a one-line reason naming
     * the line).
     */
    public static ControlParagraph parse(String text) {
        List<Field> fields = new ArrayList<>();
        String[] lines = text.replace("\r\n", "\n").split("\n", -1);
        int first = 0;
        while (first < lines.length && lines[first].isBlank()) {
            first++;
        }
        int last = lines.length - 1;
        while (last >= first && lines[last].isBlank()) {
            last--;
        }
        String name = null;
        StringBuilder value = null;
        List<String> seen = new ArrayList<>();
        for (int i = first; i <= last; i++) {
            String line = lines[i];
            int lineNo = i + 1;
            if (line.isBlank()) {
                throw new IllegalArgumentException("line " + lineNo + ": a blank line inside the paragraph (only one paragraph is allowed)");
            }
            if (line.charAt(0) == ' ' || line.charAt(0) == '\t') {
                if (name == null) {
                    throw new IllegalArgumentException("line " + lineNo + ": a continuation line before any field");
                }
                value.append('\n').append(line);
                continue;
            }
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException("line " + lineNo + ": expected 'Field: value', got '" + abbreviate(line) + "'");
            }
            if (name != null) {
                fields.add(new Field(name, value.toString()));
            }
            name = line.substring(0, colon);
            if (!FIELD_NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("line " + lineNo + ": '" + abbreviate(name) + "' is not a field name");
            }
            String key = name.toLowerCase(Locale.ROOT);
            if (seen.contains(key)) {
                throw new IllegalArgumentException("line " + lineNo + ": field " + name + " appears twice");
            }
            seen.add(key);
            value = new StringBuilder(line.substring(colon + 1).strip());
        }
        if (name != null) {
            fields.add(new Field(name, value.toString()));
        }
        return new ControlParagraph(fields);
    }

    private static String abbreviate(String s) {
        return s.length() > 60 ? s.substring(0, 57) + "..." : s;
    }

    public List<Field> fields() {
        return fields;
    }

    /** A field's value (names compare case-insensitively), continuation lines included. */
    public Optional<String> get(String name) {
        for (Field f : fields) {
            if (f.name().equalsIgnoreCase(name)) {
                return Optional.of(f.value());
            }
        }
        return Optional.empty();
    }

    public boolean has(String name) {
        return get(name).isPresent();
    }

    /** This paragraph without the named fields (case-insensitive). */
    public ControlParagraph without(String... names) {
        List<Field> out = new ArrayList<>();
        outer:
        for (Field f : fields) {
            for (String n : names) {
                if (f.name().equalsIgnoreCase(n)) {
                    continue outer;
                }
            }
            out.add(f);
        }
        return new ControlParagraph(out);
    }

    /** This paragraph with {@code more} appended. */
    public ControlParagraph with(List<Field> more) {
        List<Field> out = new ArrayList<>(fields);
        out.addAll(more);
        return new ControlParagraph(out);
    }

    /** The paragraph as text: {@code Name: value} lines, each ending with '\n', no blank line. */
    public String format() {
        StringBuilder sb = new StringBuilder();
        for (Field f : fields) {
            sb.append(f.name()).append(':');
            if (!f.value().isEmpty() && !f.value().startsWith("\n")) {
                sb.append(' ');
            }
            sb.append(f.value()).append('\n');
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return format();
    }
}

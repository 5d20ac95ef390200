package io.packyard.bundle.project;

import io.packyard.python.PackyardException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.tomlj.TomlArray;
import org.tomlj.TomlPosition;
import org.tomlj.TomlTable;

/**
 * Typed, strict access to one TOML table of a file. Every error names the file, the line and the
 * full key, e.g. {@code pyproject.toml:12: [tool.packyard].scripts: expected an array of strings}.
 */
final class TomlFields {
    private final String file;
    private final TomlTable table;
    private final List<String> path;
    private final TomlPosition tablePosition;

    TomlFields(String file, TomlTable table, List<String> path, TomlPosition tablePosition) {
        this.file = file;
        this.table = table;
        this.path = List.copyOf(path);
        this.tablePosition = tablePosition;
    }

    String tableName() {
        return "[" + String.join(".", path) + "]";
    }

    /** Refuses keys outside {@code allowed}, naming the first unknown key and its line. */
    void onlyKeys(Set<String> allowed) {
        for (String key : table.keySet()) {
            if (!allowed.contains(key)) {
                throw error(key, "unknown key (known keys: " + String.join(", ", allowed.stream().sorted().toList()) + ")");
            }
        }
    }

    boolean has(String key) {
        return table.get(List.of(key)) != null;
    }

    Optional<String> string(String key) {
        Object v = table.get(List.of(key));
        if (v == null) {
            return Optional.empty();
        }
        if (!(v instanceof String s)) {
            throw error(key, "expected a string, got " + describe(v));
        }
        return Optional.of(s);
    }

    Optional<Boolean> bool(String key) {
        Object v = table.get(List.of(key));
        if (v == null) {
            return Optional.empty();
        }
        if (!(v instanceof Boolean b)) {
            throw error(key, "expected true or false, got " + describe(v));
        }
        return Optional.of(b);
    }

    /** An array of strings; absent gives an empty list. */
    List<String> strings(String key) {
        Object v = table.get(List.of(key));
        if (v == null) {
            return List.of();
        }
        if (!(v instanceof TomlArray a)) {
            throw error(key, "expected an array of strings, got " + describe(v));
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < a.size(); i++) {
            if (!(a.get(i) instanceof String s)) {
                throw error(key, "expected an array of strings, but item " + (i + 1) + " is " + describe(a.get(i)));
            }
            out.add(s);
        }
        return out;
    }

    Optional<TomlFields> table(String key) {
        Object v = table.get(List.of(key));
        if (v == null) {
            return Optional.empty();
        }
        if (!(v instanceof TomlTable t)) {
            throw error(key, "expected a table, got " + describe(v));
        }
        List<String> p = new ArrayList<>(path);
        p.add(key);
        return Optional.of(new TomlFields(file, t, p, table.inputPositionOf(List.of(key))));
    }

    /** An array of tables (e.g. [project].authors). */
    List<TomlFields> tables(String key) {
        Object v = table.get(List.of(key));
        if (v == null) {
            return List.of();
        }
        if (!(v instanceof TomlArray a)) {
            throw error(key, "expected an array of tables, got " + describe(v));
        }
        List<TomlFields> out = new ArrayList<>();
        for (int i = 0; i < a.size(); i++) {
            if (!(a.get(i) instanceof TomlTable)) {
                throw error(key, "expected an array of tables, but item " + (i + 1) + " is " + describe(a.get(i)));
            }
            List<String> p = new ArrayList<>(path);
            p.add(key + "[" + i + "]");
            out.add(new TomlFields(file, a.getTable(i), p, a.inputPositionOf(i)));
        }
        return out;
    }

    /** A string or a table, returned as String or Map of plain Java values. */
    Optional<Object> stringOrTable(String key) {
        Object v = table.get(List.of(key));
        if (v == null) {
            return Optional.empty();
        }
        if (v instanceof String s) {
            return Optional.of(s);
        }
        if (v instanceof TomlTable t) {
            return Optional.of(plain(t));
        }
        throw error(key, "expected a string or a table, got " + describe(v));
    }

    /** A table whose values are all strings, as an ordered map. */
    Map<String, String> stringMap(String key) {
        Optional<TomlFields> t = table(key);
        Map<String, String> out = new LinkedHashMap<>();
        if (t.isPresent()) {
            for (String k : t.get().table.keySet()) {
                out.put(k, t.get().string(k).orElseThrow());
            }
        }
        return out;
    }

    private static Map<String, Object> plain(TomlTable t) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (String k : t.keySet()) {
            Object v = t.get(List.of(k));
            out.put(k, v instanceof TomlTable nested ? plain(nested) : v instanceof TomlArray a ? a.toList() : v);
        }
        return out;
    }

    /** "pyproject.toml:12: [tool.packyard].scripts" — the prefix of every message about this key. */
    String where(String key) {
        TomlPosition pos = table.inputPositionOf(List.of(key));
        if (pos == null) {
            pos = tablePosition;
        }
        String line = pos == null ? "" : ":" + pos.line();
        return file + line + ": " + tableName() + "." + key;
    }

    /** "pyproject.toml:12: [tool.packyard]" — for problems with the table as a whole. */
    String whereTable() {
        return file + (tablePosition == null ? "" : ":" + tablePosition.line()) + ": " + tableName();
    }

    PackyardException error(String key, String problem) {
        return PackyardException.config(where(key) + ": " + problem);
    }

    private static String describe(Object v) {
        if (v instanceof String s) {
            return "the string \"" + s + "\"";
        }
        if (v instanceof TomlArray) {
            return "an array";
        }
        if (v instanceof TomlTable) {
            return "a table";
        }
        if (v instanceof Boolean) {
            return "a boolean";
        }
        if (v instanceof Long || v instanceof Double) {
            return "the number " + v;
        }
        return "a " + v.getClass().getSimpleName();
    }
}

package io.packyard.formats.msi;

import io.packyard.formats.testkit.Cmd;
import io.packyard.msi.db.MsiDatabase;
import io.packyard.msi.db.Table;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The rows of a package's tables, read either from an {@link MsiDatabase} being built or back from
 * a written .msi with msitools ({@code msiinfo export}), so the same checks run on both. Values are
 * {@link String}, {@link Integer} or null, in column order.
 */
final class MsiUserInterfaceRows {

    private final Map<String, List<List<Object>>> tables;

    private MsiUserInterfaceRows(Map<String, List<List<Object>>> tables) {
        this.tables = tables;
    }

    /** The rows of every table of a database being built (binary cells as they are stored). */
    static MsiUserInterfaceRows of(MsiDatabase db) {
        Map<String, List<List<Object>>> out = new TreeMap<>();
        for (Table t : db.tables()) {
            out.put(t.name(), t.rows());
        }
        return new MsiUserInterfaceRows(out);
    }

    /**
     * The rows of the named tables of a written package, exported with {@code msiinfo export}
     * (which must succeed for each). Integer columns (types {@code i2}, {@code i4}) become
     * Integers; an empty cell is null; binary cells hold the stream name msiinfo prints
     * ({@code Binary.Name}).
     */
    static MsiUserInterfaceRows fromMsiinfo(Path msi, List<String> names) {
        Map<String, List<List<Object>>> out = new TreeMap<>();
        for (String name : names) {
            Cmd.Result r = Cmd.run("msiinfo", "export", msi.toString(), name).ok();
            String[] lines = r.stdout().split("\r\n|\n", -1);
            if (lines.length < 3) {
                throw new AssertionError("msiinfo export " + name + ": no IDT header:\n" + r.stdout());
            }
            String[] types = lines[1].split("\t", -1);
            List<List<Object>> rows = new ArrayList<>();
            // msiinfo writes CR LF inside values as they are: a row ends once it has all its cells
            StringBuilder record = new StringBuilder();
            for (int i = 3; i < lines.length; i++) {
                if (!record.isEmpty()) {
                    record.append("\r\n");
                }
                record.append(lines[i]);
                String text = record.toString();
                long tabs = text.chars().filter(ch -> ch == '\t').count();
                if (text.isEmpty() || tabs < types.length - 1) {
                    continue;
                }
                record.setLength(0);
                String[] cells = text.split("\t", -1);
                if (cells.length != types.length) {
                    throw new AssertionError("msiinfo export " + name + ": " + cells.length + " cells in a row of "
                            + types.length + " columns: " + text);
                }
                List<Object> row = new ArrayList<>();
                for (int c = 0; c < cells.length; c++) {
                    String cell = cells[c];
                    if (cell.isEmpty()) {
                        row.add(null);
                    } else if (types[c].toLowerCase(java.util.Locale.ROOT).startsWith("i")) {
                        row.add(Integer.parseInt(cell));
                    } else {
                        row.add(cell);
                    }
                }
                rows.add(row);
            }
            if (!record.isEmpty()) {
                throw new AssertionError("msiinfo export " + name + ": an incomplete last row: " + record);
            }
            out.put(name, rows);
        }
        return new MsiUserInterfaceRows(out);
    }

    /** Whether the table was read (exists). */
    boolean has(String table) {
        return tables.containsKey(table);
    }

    /** The rows of a table. */
    List<List<Object>> rows(String table) {
        List<List<Object>> rows = tables.get(table);
        if (rows == null) {
            throw new AssertionError("no table " + table);
        }
        return rows;
    }

    /** The row whose leading (key) values are {@code key}. */
    Optional<List<Object>> get(String table, Object... key) {
        for (List<Object> row : rows(table)) {
            if (row.subList(0, key.length).equals(Arrays.asList(key))) {
                return Optional.of(row);
            }
        }
        return Optional.empty();
    }

    /** The second column of the row keyed {@code key} (a Property value, say), or null. */
    String value(String table, String key) {
        return get(table, key).map(r -> (String) r.get(1)).orElse(null);
    }
}

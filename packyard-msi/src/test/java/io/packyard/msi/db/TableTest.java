package io.packyard.msi.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TableTest {

    private final MsiDatabase db = MsiDatabase.builder().build();

    @Test
    void wrongArityNamesTableAndColumns() {
        Table t = db.table(StandardTables.PROPERTY);
        assertThatThrownBy(() -> t.add("ProductName"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("table Property: expected 2 values (Property, Value), got 1: ['ProductName']");
    }

    @Test
    void nullInNonNullableColumnAndInKey() {
        Table t = db.table(StandardTables.PROPERTY);
        assertThatThrownBy(() -> t.add("ProductName", null))
                .hasMessage("table Property, column Value: null or empty value in a non-nullable column; row ['ProductName', null]");
        assertThatThrownBy(() -> t.add("", "x"))
                .hasMessage("table Property, column Property: null or empty value in a non-nullable primary key column; row ['', 'x']");
    }

    @Test
    void nullableKeyColumnsAcceptNull() {
        Table t = db.table(StandardTables.UPGRADE);
        t.add("{B1B2B3B4-0000-0000-0000-000000000000}", null, "1.0.0", null, 256, null, "OLDER");
        assertThat(t.contains("{B1B2B3B4-0000-0000-0000-000000000000}", null, "1.0.0", null, 256)).isTrue();
    }

    @Test
    void tooLongStringIsRefused() {
        Table t = db.table(StandardTables.PROPERTY);
        String id = "P".repeat(73);
        assertThatThrownBy(() -> t.add(id, "v"))
                .hasMessageStartingWith("table Property, column Property: value '" + id + "' is 73 characters long, at most 72 allowed");
    }

    @Test
    void duplicatePrimaryKeyIsRefused() {
        Table t = db.table(StandardTables.FEATURE_COMPONENTS);
        t.add("Complete", "c1");
        t.add("Complete", "c2");
        assertThatThrownBy(() -> t.add("Complete", "c1"))
                .hasMessage("table FeatureComponents: duplicate primary key (Feature_='Complete', Component_='c1')");
    }

    @Test
    void integersAreTypeAndRangeChecked() {
        Table t = db.table(StandardTables.FILE);
        assertThatThrownBy(() -> t.add("f", "c", "a.txt", "12", null, null, null, 1))
                .hasMessageStartingWith("table File, column FileSize: expected an integer, got String '12'");
        assertThatThrownBy(() -> t.add("f", "c", "a.txt", 1, null, null, null, 0))
                .hasMessageStartingWith("table File, column Sequence: value 0 outside the column's range 1..2147483647");
        assertThatThrownBy(() -> t.add("f", "c", "a.txt", 3_000_000_000L, null, null, null, 1))
                .hasMessageStartingWith("table File, column FileSize: value 3000000000 outside the storable range");
        Table custom = db.table(TableSchema.of("Numbers", Column.shortInt("N").key(), Column.longInt("L").nullable()));
        assertThatThrownBy(() -> custom.add(-32768, null))
                .hasMessageStartingWith("table Numbers, column N: value -32768 outside the storable range -32767..32767");
        custom.add(-32767, Integer.MIN_VALUE + 1).add(32767, Integer.MAX_VALUE).add((short) 5, 7L);
        assertThat(custom.get(5).orElseThrow()).containsExactly(5, 7);
    }

    @Test
    void charactersOutsideTheCodePageAreRefused() {
        Table t = db.table(StandardTables.PROPERTY);
        t.add("A", "café €"); // both in 1252
        assertThatThrownBy(() -> t.add("B", "Привет"))
                .hasMessageContaining("table Property, column Value: value 'Привет': character U+041F at index 0 cannot be stored in code page 1252");
        MsiDatabase utf8 = MsiDatabase.builder().codepage(65001).build();
        utf8.table(StandardTables.PROPERTY).add("B", "Привет 😀");
        MsiDatabase neutral = MsiDatabase.builder().codepage(0).build();
        assertThatThrownBy(() -> neutral.table(StandardTables.PROPERTY).add("A", "café"))
                .hasMessageContaining("cannot be stored in code page 0");
    }

    @Test
    void unsupportedCodePageIsRefused() {
        assertThatThrownBy(() -> MsiDatabase.builder().codepage(1200))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("code page 1200 not supported");
    }

    @Test
    void emptyStringIsNullAndRowsCanBeQueriedAndRemoved() {
        Table t = db.table(StandardTables.REGISTRY);
        t.add("r1", 2, "Software\\Acme", "", "[INSTALLDIR]", "c1");
        assertThat(t.get("r1").orElseThrow()).containsExactly("r1", 2, "Software\\Acme", null, "[INSTALLDIR]", "c1");
        assertThat(t.remove("r1")).isTrue();
        assertThat(t.remove("r1")).isFalse();
        assertThat(t.size()).isZero();
    }

    @Test
    void binaryColumnsTakeBytesOrFilesOnly() throws java.io.IOException {
        Table t = db.table(StandardTables.BINARY);
        assertThatThrownBy(() -> t.add("Logo", "not bytes"))
                .hasMessageStartingWith("table Binary, column Data: expected byte[] or a Path, got String");
        assertThatThrownBy(() -> t.add("Logo", java.nio.file.Path.of("/nonexistent/logo.bmp")))
                .hasMessageStartingWith("table Binary, column Data: /nonexistent/logo.bmp is not a regular file");
        t.add("Logo", new byte[] {1, 2});
        assertThat(((BinaryValue) t.get("Logo").orElseThrow().get(1)).size()).isEqualTo(2);
    }

    @Test
    void aTableNameCannotBeReusedWithAnotherSchemaAndValidationIsGenerated() {
        db.table(TableSchema.of("Custom", Column.string("Id", 72).key()));
        assertThatThrownBy(() -> db.table(TableSchema.of("Custom", Column.string("Id", 50).key())))
                .hasMessage("table Custom already exists with another schema");
        assertThatThrownBy(() -> db.table(StandardTables.VALIDATION))
                .hasMessageStartingWith("table _Validation is generated");
        assertThatThrownBy(() -> db.table(TableSchema.of("_Columns", Column.string("Id", 72).key())))
                .hasMessage("table name _Columns is reserved by Windows Installer");
    }

    @Test
    void schemaChecks() {
        assertThatThrownBy(() -> TableSchema.of("T", Column.string("A", 10), Column.string("B", 10).key()))
                .hasMessage("table T: key column B must come before the non-key columns");
        assertThatThrownBy(() -> TableSchema.of("T", Column.string("A", 10).key(), Column.string("A", 10)))
                .hasMessage("table T: duplicate column A");
        assertThatThrownBy(() -> TableSchema.of("Bad-Name", Column.string("A", 10).key()))
                .hasMessageStartingWith("table name 'Bad-Name': expected an identifier");
        assertThatThrownBy(() -> Column.string("A", 256))
                .hasMessage("column A: string length 256 outside 0..255");
    }

    @Test
    void typeBitsMatchTheSdkEncoding() {
        assertThat(Column.string("A", 72).key().typeBits()).isEqualTo(0x2D48);
        assertThat(Column.string("A", 255).nullable().typeBits()).isEqualTo(0x1DFF);
        assertThat(Column.string("A", 0).localizable().typeBits()).isEqualTo(0x0F00);
        assertThat(Column.shortInt("A").typeBits()).isEqualTo(0x0502);
        assertThat(Column.shortInt("A").key().typeBits()).isEqualTo(0x2502);
        assertThat(Column.longInt("A").nullable().typeBits()).isEqualTo(0x1104);
        assertThat(Column.binary("A").typeBits()).isEqualTo(0x0900);
        assertThat(Column.binary("A").nullable().idtType()).isEqualTo("V0");
        assertThat(Column.string("A", 64).localizable().nullable().idtType()).isEqualTo("L64");
    }

    @Test
    void standardTablesAreWellFormed() {
        Set<String> names = new HashSet<>();
        for (TableSchema t : StandardTables.all()) {
            assertThat(names.add(t.name())).as(t.name()).isTrue();
            for (Column c : t.columns()) {
                if (c.keyTable() != null) {
                    assertThat(c.keyColumn()).as(t.name() + "." + c.name()).isNotNull();
                }
            }
        }
        assertThat(StandardTables.byName("File")).contains(StandardTables.FILE);
        assertThat(StandardTables.FILE.idtHeader()).isEqualTo(
                "File\tComponent_\tFileName\tFileSize\tVersion\tLanguage\tAttributes\tSequence\n"
                        + "s72\ts72\tl255\ti4\tS72\tS20\tI2\ti4\n"
                        + "File\tFile\n");
    }
}

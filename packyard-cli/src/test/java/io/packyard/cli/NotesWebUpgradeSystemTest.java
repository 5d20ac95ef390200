package io.packyard.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * The web example in two versions: v2's post-install hook migrates v1's database (a NOT NULL
 * column filled from existing rows) exactly once on upgrade; NO_CUSTOM_ACTIONS=1 skips it.
 */
@Tag("system")
@ResourceLock("dpkg")
class NotesWebUpgradeSystemTest {
    static final String PY = "/opt/packyard-examples/notes-web/python/bin/python3";
    static final Path LOG = Path.of("/var/log/packyard-examples/notes-web/install.log");
    static Path v1;
    static Path v2;

    @TempDir
    Path tmp;

    Path db;

    @BeforeAll
    static void build() {
        v1 = Builds.file(Builds.build("notes-web-v1", "examples/notes-web/v1", "--python", "host:3.11", "--format", "deb"), ".deb");
        v2 = Builds.file(Builds.build("notes-web-v2", "examples/notes-web/v2", "--python", "host:3.11", "--format", "deb"), ".deb");
    }

    @BeforeEach
    void clean() {
        assumeTrue(Sh.isRoot(), "dpkg -i needs root");
        Sh.run("dpkg", "--purge", "notes-web");
        db = tmp.resolve("data/notes.db");
    }

    @AfterEach
    void purge() {
        if (Sh.isRoot()) {
            Sh.run("dpkg", "--purge", "notes-web").ok();
            assertThat(Path.of("/opt/packyard-examples/notes-web")).doesNotExist();
            assertThat(Path.of("/var/log/packyard-examples/notes-web")).doesNotExist();
        }
    }

    private Sh.Result dpkg(Map<String, String> extraEnv, Path deb) {
        Map<String, String> env = new java.util.HashMap<>(Map.of("NOTES_WEB_DB", db.toString()));
        env.putAll(extraEnv);
        return Sh.run(env, null, List.of("dpkg", "-i", deb.toString()));
    }

    private Sh.Result notes(String... args) {
        List<String> cmd = new java.util.ArrayList<>(List.of("env", "-i", "PATH=/usr/bin:/bin", "NOTES_WEB_DB=" + db, "notes-web"));
        cmd.addAll(List.of(args));
        return Sh.run(Map.of(), null, cmd);
    }

    private String sql(String query) {
        return Sh.run(PY, "-c", "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); "
                + "print('\\n'.join('|'.join(map(str, r)) for r in c.execute(sys.argv[2])))", db.toString(), query).ok().output().trim();
    }

    @Test
    void upgradeMigratesOnceAndKeepsData() throws Exception {
        dpkg(Map.of(), v1).ok();
        assertThat(notes("add", "Shopping list\nmilk, eggs").ok().output()).contains("Shopping list");
        notes("add", "   \n  Call Alice about the very long project name that goes on").ok();
        assertThat(notes("schema").ok().output()).doesNotContain("title");
        assertThat(sql("select count(*) from schema_migrations")).isEqualTo("1");

        dpkg(Map.of(), v2).ok();
        assertThat(notes("schema").ok().output()).contains("title");
        assertThat(sql("select title from notes order by id"))
                .isEqualTo("Shopping list\nCall Alice about the very long project n");
        assertThat(sql("select body from notes order by id")).startsWith("Shopping list\nmilk, eggs");
        assertThat(sql("select version from schema_migrations order by version")).isEqualTo("1\n2");
        assertThat(sql("select \"notnull\" from pragma_table_info('notes') where name = 'title'")).isEqualTo("1");
        assertThat(Files.readString(LOG)).contains("action=upgrade previous_version=1.0.0");

        // v2 works with the migrated data, and reinstalling does not migrate again
        notes("add", "after upgrade").ok();
        dpkg(Map.of(), v2).ok();
        assertThat(sql("select count(*) from schema_migrations where version = 2")).isEqualTo("1");
        assertThat(sql("select count(*) from notes")).isEqualTo("3");
    }

    @Test
    void noCustomActionsSkipsTheMigration() throws Exception {
        dpkg(Map.of(), v1).ok();
        notes("add", "kept").ok();
        dpkg(Map.of("NO_CUSTOM_ACTIONS", "1"), v2).ok();
        assertThat(sql("select version from schema_migrations")).isEqualTo("1");
        assertThat(sql("select count(*) from pragma_table_info('notes') where name = 'title'")).isEqualTo("0");
        assertThat(Files.readString(LOG)).contains("skipped");
        assertThat(Sh.run("dpkg-query", "-W", "-f=${Version}", "notes-web").ok().output()).isEqualTo("2.0.0-1");
    }
}

package io.packyard.python.wheel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class EntryPointTest {

    @Test
    void parsesEntryPointsFile() {
        String text = """
                # comment
                [console_scripts]
                Notes = notes.cli:main
                notes-admin=notes.admin : App.run [ssl, web]

                [gui_scripts]
                ; another comment
                notes-gui = notes.gui:start
                """;
        List<EntryPoint> eps = EntryPoint.parseFile(text);
        assertThat(eps).hasSize(3);
        assertThat(eps.get(0)).isEqualTo(new EntryPoint("console_scripts", "Notes", "notes.cli", "main", List.of()));
        assertThat(eps.get(1).attribute()).isEqualTo("App.run");
        assertThat(eps.get(1).importName()).isEqualTo("App");
        assertThat(eps.get(1).extras()).containsExactly("ssl", "web");
        assertThat(eps.get(1).reference()).isEqualTo("notes.admin:App.run");
        assertThat(eps.get(2).group()).isEqualTo("gui_scripts");
    }

    @Test
    void otherGroupsAreSkippedWhenFiltering() {
        String text = "[console_scripts]\na = m:f\n[weird]\nx = not valid (at all)\n";
        assertThat(EntryPoint.parseFile(text, Set.of("console_scripts"))).extracting(EntryPoint::name).containsExactly("a");
        assertThatThrownBy(() -> EntryPoint.parseFile(text)).hasMessageStartingWith("line 4: [weird] x: invalid object reference");
    }

    @Test
    void refusesInjection() {
        assertThatThrownBy(() -> EntryPoint.parse("console_scripts", "x", "os:system('rm -rf /')"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> EntryPoint.parse("console_scripts", "x", "a\"b:c")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> EntryPoint.parse("console_scripts", "x", ".rel:c")).isInstanceOf(IllegalArgumentException.class);
    }
}

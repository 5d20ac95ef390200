package io.packyard.bundle.interpreter;

import static org.assertj.core.api.Assertions.assertThat;

import io.packyard.bundle.Target;
import io.packyard.python.util.Progress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OptionalStdlibTest {
    private static final String STD = "python/lib/python3.11";
    private static final String SITE = STD + "/site-packages";
    private static final List<String> TKINTER = List.of(STD + "/tkinter/__init__.py", STD + "/tkinter/ttk.py",
            STD + "/turtle.py", STD + "/turtledemo/__main__.py",
            STD + "/lib-dynload/_tkinter.cpython-311-x86_64-linux-gnu.so", "python/lib/tcl8.6/init.tcl",
            "python/lib/tk8.6/tk.tcl", "python/lib/itcl4.2.4/itcl.tcl", "python/lib/thread2.8.9/pkgIndex.tcl");
    private static final List<String> LIB2TO3 = List.of(STD + "/lib2to3/__init__.py", STD + "/lib2to3/Grammar.txt",
            "python/bin/2to3-3.11");
    private static final List<String> OTHERS = List.of(STD + "/os.py", STD + "/json/__init__.py",
            STD + "/lib-dynload/_ssl.cpython-311-x86_64-linux-gnu.so", "python/lib/libpython3.11.so.1.0",
            "python/bin/python3.11", STD + "/turtles_all_the_way.py");

    @TempDir
    Path stage;

    private final List<String> said = new ArrayList<>();
    private final Progress progress = new Progress() {
        @Override
        public void step(String message) {
            said.add(message);
        }

        @Override
        public void advance(long done, long total) {}
    };

    private static Interpreter linux() {
        return new Interpreter("3.11.7", "3.11", Target.LINUX_X86_64, true, "python/bin/python3.11", STD, SITE,
                Optional.empty(), Optional.empty());
    }

    private void tree(List<String> files, String app) throws IOException {
        for (String f : files) {
            Path p = stage.resolve(f);
            Files.createDirectories(p.getParent());
            Files.writeString(p, "x\n");
        }
        Path main = stage.resolve(SITE + "/app/main.py");
        Files.createDirectories(main.getParent());
        Files.writeString(main, app);
    }

    private List<String> all() {
        List<String> out = new ArrayList<>(TKINTER);
        out.addAll(LIB2TO3);
        out.addAll(OTHERS);
        return out;
    }

    private List<String> trim(Set<String> keep) throws IOException {
        return OptionalStdlib.trim(stage, linux(), keep, List.of(SITE, SITE), progress);
    }

    @Test
    void partsNothingImportsAreLeftOut() throws IOException {
        tree(all(), "import json\n# a comment about tkinter is not an import\nprint('turtle soup')\n");
        assertThat(trim(Set.of())).containsExactly("tkinter", "lib2to3");
        for (String f : TKINTER) {
            assertThat(stage.resolve(f)).as(f).doesNotExist();
        }
        for (String f : LIB2TO3) {
            assertThat(stage.resolve(f)).as(f).doesNotExist();
        }
        assertThat(stage.resolve(STD + "/tkinter")).doesNotExist();
        assertThat(stage.resolve("python/lib/tcl8.6")).doesNotExist();
        for (String f : OTHERS) {
            assertThat(stage.resolve(f)).as(f).exists();
        }
        assertThat(said).contains("Left tkinter out of the interpreter (nothing imports it; python-keep = [\"tkinter\"] keeps it)");
    }

    @Test
    void anImportKeepsAPart() throws IOException {
        for (String app : List.of("from tkinter import ttk\n", "import os, tkinter.ttk as ttk\n", "    import turtle\n",
                "mod = importlib.import_module(\"tkinter\")\n", "__import__('_tkinter')\n",
                "spec = importlib.util.find_spec( 'turtle' )\n", "m = import_module(\"turtle.shapes\")\n",
                "GUI_TOOLKITS = ['tkinter', 'wx']\n", "from six.moves import tkinter_ttk as ttk\n",
                "root = six.moves.tkinter.Tk()\n")) {
            said.clear();
            tree(all(), app);
            assertThat(trim(Set.of())).as(app).containsExactly("lib2to3");
            for (String f : TKINTER) {
                assertThat(stage.resolve(f)).as(app + ": " + f).exists();
            }
            assertThat(said).as(app).contains("Keeping tkinter in the interpreter: " + SITE + "/app/main.py imports it");
        }
    }

    @Test
    void turtleAsAWordIsNotAnImport() throws IOException {
        // Pygments' lexer table names the RDF Turtle format; rdflib registers a 'turtle' serializer
        tree(all(), "LEXERS = {\n    'TurtleLexer': ('pygments.lexers.rdf', 'Turtle', ('turtle',), ('*.ttl',), ('text/turtle',)),\n}\n"
                + "register('turtle', Serializer, \"rdflib.plugins.serializers.turtle\", 'TurtleSerializer')\n");
        Files.write(stage.resolve(SITE + "/app/_rdf.cpython-311-x86_64-linux-gnu.so"),
                new byte[] {0x7f, 'E', 'L', 'F', 0, 't', 'u', 'r', 't', 'l', 'e', 0});
        assertThat(trim(Set.of())).containsExactly("tkinter", "lib2to3");
        assertThat(stage.resolve(STD + "/turtle.py")).doesNotExist();
    }

    @Test
    void sixsTableOfMovedModulesIsNotAnImport() throws IOException {
        tree(all(), "class MovedModule(_LazyDescr):\n    pass\n\n_moved_attributes = [\n"
                + "    MovedModule(\"tkinter\", \"Tkinter\"),\n    MovedModule(\"tkinter_ttk\", \"ttk\", \"tkinter.ttk\"),\n]\n");
        assertThat(trim(Set.of())).containsExactly("tkinter", "lib2to3");
    }

    @Test
    void anExtensionModuleNamingTheModuleKeepsIt() throws IOException {
        tree(all(), "import json\n");
        Files.write(stage.resolve(SITE + "/app/_native.cpython-311-x86_64-linux-gnu.so"),
                new byte[] {0x7f, 'E', 'L', 'F', 0, 'l', 'i', 'b', '2', 't', 'o', '3', 0});
        assertThat(trim(Set.of())).containsExactly("tkinter");
        assertThat(stage.resolve(STD + "/lib2to3/Grammar.txt")).exists();
    }

    @Test
    void pythonKeepKeepsAPart() throws IOException {
        tree(all(), "import json\n");
        assertThat(trim(Set.of("tkinter", "lib2to3"))).isEmpty();
        for (String f : all()) {
            assertThat(stage.resolve(f)).as(f).exists();
        }
    }

    @Test
    void windowsLayout() throws IOException {
        List<String> tk = List.of("python/Lib/tkinter/__init__.py", "python/Lib/turtle.py", "python/DLLs/_tkinter.pyd",
                "python/DLLs/tcl86t.dll", "python/DLLs/tk86t.dll", "python/tcl/tcl8.6/init.tcl");
        List<String> others = List.of("python/Lib/os.py", "python/DLLs/_ssl.pyd", "python/DLLs/libcrypto-3.dll",
                "python/python.exe", "python/python311.dll");
        for (String f : new ArrayList<String>() { { addAll(tk); addAll(others); } }) {
            Path p = stage.resolve(f);
            Files.createDirectories(p.getParent());
            Files.writeString(p, "x");
        }
        Files.createDirectories(stage.resolve("python/Lib/site-packages/app"));
        Files.writeString(stage.resolve("python/Lib/site-packages/app/main.py"), "print(1)\n");
        Interpreter win = new Interpreter("3.11.7", "3.11", Target.WINDOWS_X64, true, "python/python.exe", "python/Lib",
                "python/Lib/site-packages", Optional.empty(), Optional.empty());
        assertThat(OptionalStdlib.trim(stage, win, Set.of(), List.of("python/Lib/site-packages"), progress))
                .containsExactly("tkinter");
        for (String f : tk) {
            assertThat(stage.resolve(f)).as(f).doesNotExist();
        }
        for (String f : others) {
            assertThat(stage.resolve(f)).as(f).exists();
        }
    }

    @Test
    void aSystemInterpreterIsLeftAlone() throws IOException {
        Interpreter system = new Interpreter("3.11", "3.11", Target.LINUX_X86_64, false, "/usr/bin/python3.11",
                "/usr/lib/python3.11", "lib/python3.11/site-packages", Optional.empty(), Optional.empty());
        assertThat(OptionalStdlib.trim(stage, system, Set.of(), List.of("lib/python3.11/site-packages"), progress)).isEmpty();
    }
}

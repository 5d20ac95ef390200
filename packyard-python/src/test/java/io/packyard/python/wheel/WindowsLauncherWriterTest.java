package io.packyard.python.wheel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.packyard.python.PackyardException;
import io.packyard.python.wheel.LauncherWriter.Flavour;
import io.packyard.python.wheel.LauncherWriter.Interpreter;
import io.packyard.python.wheel.LauncherWriter.LauncherFile;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The bytes WindowsLauncherWriter produces: payloads, paths, variants, PE headers. No wine. */
class WindowsLauncherWriterTest {

    static final Interpreter BUNDLED = Interpreter.bundled("python/python.exe");
    static final EntryPoint NOTES = EntryPoint.parse(EntryPoint.CONSOLE_SCRIPTS, "notes", "notes.cli:main");
    static final EntryPoint APP = EntryPoint.parse(EntryPoint.GUI_SCRIPTS, "notes-gui", "notes.gui:App.run");
    static final EntryPoint HOOK = EntryPoint.parse("packyard.hooks", "post-install", "notes.install:post_install");

    final WindowsLauncherWriter writer = new WindowsLauncherWriter();

    static byte[] resource(String name) throws IOException {
        try (InputStream in = WindowsLauncherWriter.class.getResourceAsStream(name)) {
            assertThat(in).as(name).isNotNull();
            return in.readAllBytes();
        }
    }

    static LauncherFile only(List<LauncherFile> files) {
        assertThat(files).hasSize(1);
        return files.get(0);
    }

    static List<String> payloadLines(byte[] exe) {
        return Arrays.stream(WindowsLauncherWriter.readPayload(exe).split("\n"))
                .filter(l -> !l.isEmpty() && !l.startsWith("#"))
                .toList();
    }

    /** The PE optional header's Subsystem field (2 = GUI, 3 = console). */
    static int subsystem(byte[] exe) {
        ByteBuffer b = ByteBuffer.wrap(exe).order(ByteOrder.LITTLE_ENDIAN);
        int pe = b.getInt(0x3c);
        assertThat(b.getInt(pe)).as("PE signature").isEqualTo(0x4550);
        assertThat(Short.toUnsignedInt(b.getShort(pe + 4))).as("machine AMD64").isEqualTo(0x8664);
        assertThat(Short.toUnsignedInt(b.getShort(pe + 24))).as("PE32+").isEqualTo(0x20b);
        return Short.toUnsignedInt(b.getShort(pe + 24 + 68));
    }

    @Test
    void consoleLauncherIsTheConsoleExePlusPayload() throws IOException {
        LauncherFile f = only(writer.console(BUNDLED, "Scripts", "notes", NOTES));

        assertThat(f.path()).isEqualTo("Scripts/notes.exe");
        assertThat(f.mode()).isEqualTo(0755);
        byte[] base = resource(WindowsLauncherWriter.CONSOLE_RESOURCE);
        byte[] exe = f.content();
        assertThat(Arrays.copyOf(exe, base.length)).isEqualTo(base);
        assertThat(exe.length % 8).as("8-byte aligned for Authenticode").isZero();
        assertThat(Arrays.copyOfRange(exe, exe.length - 8, exe.length))
                .isEqualTo("PKYLNCH1".getBytes(StandardCharsets.US_ASCII));
        int length = ByteBuffer.wrap(exe, exe.length - 12, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
        assertThat(base.length + length + 12).isEqualTo(exe.length);
        assertThat(payloadLines(exe)).containsExactly(
                "kind=console",
                "interpreter=..\\python\\python.exe",
                "module=notes.cli",
                "attribute=main");
        assertThat(subsystem(exe)).isEqualTo(3);
    }

    @Test
    void guiLauncherUsesTheGuiExeAndPythonw() {
        byte[] exe = only(writer.gui(BUNDLED, "Scripts", "notes-gui", APP)).content();

        assertThat(subsystem(exe)).isEqualTo(2);
        assertThat(payloadLines(exe)).containsExactly(
                "kind=gui",
                "interpreter=..\\python\\pythonw.exe",
                "module=notes.gui",
                "attribute=App.run");
    }

    @Test
    void hookUsesTheGuiExeWithTheConsoleInterpreterAndTheLog() {
        LauncherFile plain = only(writer.hook(BUNDLED, "hooks", "post-install", HOOK));
        assertThat(plain.path()).isEqualTo("hooks/post-install.exe");
        assertThat(subsystem(plain.content())).as("no console window for installers").isEqualTo(2);
        assertThat(payloadLines(plain.content())).containsExactly(
                "kind=hook",
                "interpreter=..\\python\\python.exe",
                "module=notes.install",
                "attribute=post_install");

        byte[] logged = only(writer.withHookLog("log/install.log").hook(BUNDLED, "hooks", "post-install", HOOK)).content();
        assertThat(payloadLines(logged)).contains("log=..\\log\\install.log");

        byte[] programData = only(writer.withHookLog("%ProgramData%\\Acme\\Notes\\install.log")
                .hook(BUNDLED, "hooks", "post-install", HOOK)).content();
        assertThat(payloadLines(programData)).contains("log=%ProgramData%\\Acme\\Notes\\install.log");

        // only hooks log
        byte[] console = only(writer.withHookLog("log/install.log").console(BUNDLED, "Scripts", "notes", NOTES)).content();
        assertThat(payloadLines(console)).noneMatch(l -> l.startsWith("log="));
    }

    @Test
    void interpreterPathIsRelativeToTheLauncherDirectory() {
        assertThat(payloadLines(only(writer.console(BUNDLED, "", "notes", NOTES)).content()))
                .contains("interpreter=python\\python.exe");
        assertThat(payloadLines(only(writer.console(BUNDLED, "a/b/c", "notes", NOTES)).content()))
                .contains("interpreter=..\\..\\..\\python\\python.exe");
        assertThat(payloadLines(only(writer.console(BUNDLED, "python", "notes", NOTES)).content()))
                .contains("interpreter=python.exe");
        assertThat(payloadLines(only(writer.gui(Interpreter.bundled("rt/bin/python3.12.exe"), "Scripts", "g", APP))
                .content())).contains("interpreter=..\\rt\\bin\\pythonw3.12.exe");
    }

    @Test
    void systemInterpreterIsAbsoluteWithSitePackagesRelative() {
        InstallScheme scheme = InstallScheme.windows("3.12", false);
        byte[] exe = only(writer.console(scheme.interpreter(), scheme.scripts(), "notes", NOTES)).content();
        assertThat(payloadLines(exe)).containsExactly(
                "kind=console",
                "interpreter=C:\\Program Files\\Python312\\python.exe",
                "site-packages=..\\Lib\\site-packages",
                "module=notes.cli",
                "attribute=main");
        byte[] gui = only(writer.gui(scheme.interpreter(), scheme.scripts(), "g", APP)).content();
        assertThat(payloadLines(gui)).contains("interpreter=C:\\Program Files\\Python312\\pythonw.exe");
    }

    @Test
    void bytesDependOnlyOnTheInputs() {
        byte[] a = only(writer.console(BUNDLED, "Scripts", "notes", NOTES)).content();
        byte[] b = only(new WindowsLauncherWriter().console(BUNDLED, "Scripts", "notes", NOTES)).content();
        assertThat(a).isEqualTo(b);
        byte[] other = only(writer.console(BUNDLED, "Scripts", "notes",
                EntryPoint.parse(EntryPoint.CONSOLE_SCRIPTS, "notes", "notes.cli:other"))).content();
        assertThat(other).isNotEqualTo(a);
        // the name is not in the payload: the launcher finds its own path at run time
        assertThat(only(writer.console(BUNDLED, "Scripts", "renamed", NOTES)).content()).isEqualTo(a);
    }

    @Test
    void committedLaunchersAreUnsignedAlignedX64ExecutablesDifferingOnlyInSubsystem() throws IOException {
        byte[] console = resource(WindowsLauncherWriter.CONSOLE_RESOURCE);
        byte[] gui = resource(WindowsLauncherWriter.GUI_RESOURCE);
        assertThat(subsystem(console)).isEqualTo(3);
        assertThat(subsystem(gui)).isEqualTo(2);
        assertThat(console.length % 512).isZero();
        for (byte[] exe : List.of(console, gui)) {
            ByteBuffer b = ByteBuffer.wrap(exe).order(ByteOrder.LITTLE_ENDIAN);
            int optional = b.getInt(0x3c) + 24;
            assertThat(b.getInt(b.getInt(0x3c) + 8)).as("TimeDateStamp").isZero();
            assertThat(b.getLong(optional + 112 + 8 * 4)).as("no Security directory").isZero();
            assertThatThrownBy(() -> WindowsLauncherWriter.readPayload(exe))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("trailer");
        }
        assertThat(console.length).isEqualTo(gui.length);
        int differences = 0;
        for (int i = 0; i < console.length; i++) {
            if (console[i] != gui[i]) {
                differences++;
            }
        }
        assertThat(differences).as("subsystem field and header checksum at most").isBetween(1, 6);
    }

    @Test
    void payloadIsFoundBeforeACertificateTable() {
        byte[] exe = only(writer.console(BUNDLED, "Scripts", "notes", NOTES)).content();
        // what a signing tool does: certificate table at an 8-byte aligned offset, named by the
        // Security directory (a file offset and a size)
        byte[] certificate = new byte[40];
        Arrays.fill(certificate, (byte) 0x5a);
        byte[] signed = Arrays.copyOf(exe, exe.length + certificate.length);
        System.arraycopy(certificate, 0, signed, exe.length, certificate.length);
        ByteBuffer b = ByteBuffer.wrap(signed).order(ByteOrder.LITTLE_ENDIAN);
        int security = b.getInt(0x3c) + 24 + 112 + 8 * 4;
        b.putInt(security, exe.length).putInt(security + 4, certificate.length);
        assertThat(WindowsLauncherWriter.readPayload(signed)).isEqualTo(WindowsLauncherWriter.readPayload(exe));

        // an unaligned payload (not what the writer makes): a signing tool pads with zeros first
        byte[] unaligned = raw(exe, "kind=console\n");
        assertThat(unaligned.length % 8).isNotZero();
        int padded = (unaligned.length + 7) & ~7;
        byte[] withPadding = Arrays.copyOf(unaligned, padded + certificate.length);
        System.arraycopy(certificate, 0, withPadding, padded, certificate.length);
        ByteBuffer.wrap(withPadding).order(ByteOrder.LITTLE_ENDIAN)
                .putInt(security, padded).putInt(security + 4, certificate.length);
        assertThat(WindowsLauncherWriter.readPayload(withPadding)).isEqualTo("kind=console\n");
    }

    /** Bytes + payload + trailer, without the writer's alignment. */
    static byte[] raw(byte[] base, String payload) {
        byte[] p = payload.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(base.length + p.length + 12).order(ByteOrder.LITTLE_ENDIAN);
        return b.put(base).put(p).putInt(p.length).put(WindowsLauncherWriter.MAGIC).array();
    }

    @Test
    void arm64HasNoLaunchers() {
        WindowsLauncherWriter arm = new WindowsLauncherWriter(WindowsLauncherWriter.Machine.ARM64);
        assertThatThrownBy(() -> arm.console(BUNDLED, "Scripts", "notes", NOTES))
                .isInstanceOf(PackyardException.class)
                .hasMessageContaining("windows-arm64")
                .hasMessageContaining("notes.exe")
                .hasMessageContaining("no Windows ARM64 launcher")
                .satisfies(e -> assertThat(((PackyardException) e).kind()).isEqualTo(PackyardException.Kind.BUILD));
        assertThatThrownBy(() -> arm.rewriteScript(BUNDLED, "Scripts", "tool", "#!python\n".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(PackyardException.class);
        // scripts that need no launcher are still fine
        byte[] sh = "#!/bin/sh\necho hi\n".getBytes(StandardCharsets.UTF_8);
        assertThat(arm.rewriteScript(BUNDLED, "Scripts", "tool.sh", sh))
                .containsExactly(new LauncherFile("Scripts/tool.sh", sh, 0755));
    }

    @Test
    void pythonScriptBecomesALauncherAndAScriptBesideIt() {
        byte[] script = "#!python -u -X utf8\n# -*- coding: utf-8 -*-\nprint('hi')\n".getBytes(StandardCharsets.UTF_8);
        List<LauncherFile> files = writer.rewriteScript(BUNDLED, "Scripts", "tool.py", script);

        assertThat(files).extracting(LauncherFile::path).containsExactly("Scripts/tool.exe", "Scripts/tool-script.py");
        assertThat(files.get(1).content()).isEqualTo(script);
        assertThat(files.get(1).mode()).isEqualTo(0644);
        byte[] exe = files.get(0).content();
        assertThat(subsystem(exe)).isEqualTo(3);
        assertThat(payloadLines(exe)).containsExactly(
                "kind=console",
                "interpreter=..\\python\\python.exe",
                "script=tool-script.py",
                "options=-u -X utf8");

        byte[] gui = writer.rewriteScript(BUNDLED, "Scripts", "viewer",
                "#!pythonw\nimport tkinter\n".getBytes(StandardCharsets.UTF_8)).get(0).content();
        assertThat(subsystem(gui)).isEqualTo(2);
        assertThat(payloadLines(gui)).containsExactly(
                "kind=gui", "interpreter=..\\python\\pythonw.exe", "script=viewer-script.py");
    }

    @Test
    void otherScriptsAreKept() {
        byte[] bat = "@echo off\r\necho hi\r\n".getBytes(StandardCharsets.UTF_8);
        assertThat(writer.rewriteScript(BUNDLED, "Scripts", "tool.bat", bat))
                .containsExactly(new LauncherFile("Scripts/tool.bat", bat, 0755));
        byte[] py = "#!/usr/bin/env python\n".getBytes(StandardCharsets.UTF_8);
        assertThat(writer.rewriteScript(BUNDLED, "Scripts", "tool", py))
                .containsExactly(new LauncherFile("Scripts/tool", py, 0755));
    }

    @Test
    void namesWindowsRefusesAreRefused() {
        for (String bad : List.of("a:b", "a*b", "a<b", "a|b", "CON", "nul.txt", "com1", "trailing.", "a\tb", "")) {
            assertThatThrownBy(() -> writer.console(BUNDLED, "Scripts", bad, NOTES))
                    .as(bad).isInstanceOf(IllegalArgumentException.class);
        }
        assertThat(only(writer.console(BUNDLED, "Scripts", "notes.exe", NOTES)).path()).isEqualTo("Scripts/notes.exe");
        assertThat(only(writer.console(BUNDLED, "Scripts", "nötes", NOTES)).path()).isEqualTo("Scripts/nötes.exe");
    }

    @Test
    void pathsTheLauncherCannotQuoteAreRefused() {
        Interpreter quoted = Interpreter.system("C:/Program Files/\"Py\"/python.exe", "Lib/site-packages");
        assertThatThrownBy(() -> writer.console(quoted, "Scripts", "notes", NOTES))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unsupported character");
        assertThatThrownBy(() -> writer.withHookLog("C:\\logs\\\"x\".log"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> writer.withHookLog("../outside.log"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> writer.rewriteScript(BUNDLED, "Scripts", "t", "#!python -X\"a\n".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void windowedInterpreterNames() {
        assertThat(WindowsLauncherWriter.windowed("python/python.exe")).isEqualTo("python/pythonw.exe");
        assertThat(WindowsLauncherWriter.windowed("C:/Python312/python.exe")).isEqualTo("C:/Python312/pythonw.exe");
        assertThat(WindowsLauncherWriter.windowed("bin/python3.12.exe")).isEqualTo("bin/pythonw3.12.exe");
        assertThat(WindowsLauncherWriter.windowed("bin/pythonw.exe")).isEqualTo("bin/pythonw.exe");
        assertThat(WindowsLauncherWriter.windowed("bin/py.exe")).isEqualTo("bin/py.exe");
    }

    @Test
    void factoryAndWritingToDisk() throws IOException {
        assertThat(LauncherWriter.windows()).isInstanceOf(WindowsLauncherWriter.class);
        java.nio.file.Path root = java.nio.file.Files.createTempDirectory("wlw");
        try {
            List<String> written = LauncherWriter.windows().writeHook(root, BUNDLED, "hooks", "pre-uninstall",
                    "notes.install:pre_uninstall");
            assertThat(written).containsExactly("hooks/pre-uninstall.exe");
            byte[] onDisk = java.nio.file.Files.readAllBytes(root.resolve("hooks/pre-uninstall.exe"));
            assertThat(payloadLines(onDisk)).contains("kind=hook", "attribute=pre_uninstall");
        } finally {
            try (var s = java.nio.file.Files.walk(root)) {
                for (java.nio.file.Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    java.nio.file.Files.delete(p);
                }
            }
        }
    }
}

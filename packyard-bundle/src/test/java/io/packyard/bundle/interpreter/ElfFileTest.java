package io.packyard.bundle.interpreter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.packyard.python.PackyardException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * RUNPATH rewriting checked by binutils' {@code readelf}: on copies of pyenv's CPython 3.12.1
 * binaries, on 32-bit objects linked by gcc, and on synthetic big-endian files built here.
 */
@Tag("system")
class ElfFileTest {

    static final Path PYENV_312 = Path.of(System.getProperty("user.home"), ".pyenv/versions/3.12.1");

    @TempDir
    Path tmp;

    @Test
    void rewritesLibpythonAndExecutableOfPyenvCpython() throws Exception {
        assumeTrue(Files.isDirectory(PYENV_312), "needs pyenv CPython 3.12.1");
        Path lib = tmp.resolve("libpython3.12.so.1.0");
        Path exe = tmp.resolve("python3.12");
        Files.copy(PYENV_312.resolve("lib/libpython3.12.so.1.0"), lib);
        Files.copy(PYENV_312.resolve("bin/python3.12"), exe);
        String hostLib = PYENV_312.resolve("lib").toString();
        assertThat(readelfRunpath(lib)).isEqualTo("RUNPATH " + hostLib);
        assertThat(readelfRunpath(exe)).isEqualTo("RUNPATH " + hostLib);
        String symbolsBefore = run("readelf", "-W", "--dyn-syms", lib.toString());
        String neededBefore = dynamicWithout(lib, "RUNPATH");

        ElfFile.Rewrite r1 = ElfFile.rewriteSearchPath(lib, old -> "$ORIGIN");
        ElfFile.Rewrite r2 = ElfFile.rewriteSearchPath(exe, old -> "$ORIGIN/../lib");

        assertThat(r1.changed()).isTrue();
        assertThat(r1.before()).contains(hostLib);
        assertThat(readelfRunpath(lib)).isEqualTo("RUNPATH $ORIGIN");
        assertThat(readelfRunpath(exe)).isEqualTo("RUNPATH $ORIGIN/../lib");
        assertThat(r2.after()).contains("$ORIGIN/../lib");
        // nothing else in the dynamic section or the symbol table moved
        assertThat(dynamicWithout(lib, "RUNPATH")).isEqualTo(neededBefore);
        assertThat(run("readelf", "-W", "--dyn-syms", lib.toString())).isEqualTo(symbolsBefore);
        assertThat(Files.size(lib)).isEqualTo(Files.size(PYENV_312.resolve("lib/libpython3.12.so.1.0")));
        // our own reader agrees with readelf
        ElfFile.Info info = ElfFile.read(exe);
        assertThat(info.runpath()).contains("$ORIGIN/../lib");
        assertThat(info.needed()).contains("libpython3.12.so.1.0");
        assertThat(info.elfClass()).isEqualTo(64);
        assertThat(info.machine()).isEqualTo(ElfFile.EM_X86_64);
    }

    @Test
    void refusesAValueLongerThanTheOldOne() throws Exception {
        Path so = gcc(tmp.resolve("short.so"), "-m64", "/opt/py/lib", true, "int f(void){return 1;}");
        byte[] before = Files.readAllBytes(so);
        assertThatThrownBy(() -> ElfFile.rewriteSearchPath(so, old -> "$ORIGIN/../lib"))
                .isInstanceOf(PackyardException.class)
                .hasMessageContaining("cannot rewrite RUNPATH '/opt/py/lib' to '$ORIGIN/../lib' in place")
                .hasMessageContaining("needs 14 bytes and only 11 are free");
        assertThat(Files.readAllBytes(so)).isEqualTo(before);
    }

    @Test
    void keepsASymbolNameThatSharesTheTailOfTheRunpath() throws Exception {
        // GNU ld merges the symbol name "lib" into the tail of "/very/long/host/prefix/lib".
        Path so = gcc(tmp.resolve("tail.so"), "-m64", "/very/long/host/prefix/lib", true, "int lib(void){return 1;}");
        ElfFile.rewriteSearchPath(so, old -> "$ORIGIN/../lib");
        assertThat(readelfRunpath(so)).isEqualTo("RUNPATH $ORIGIN/../lib");
        assertThat(run("readelf", "-W", "--dyn-syms", so.toString())).containsPattern("FUNC +GLOBAL +DEFAULT +\\d+ lib\\b");
    }

    @Test
    void refusesWhenASharedTailLeavesNoRoom() throws Exception {
        // "/x/lib": the symbol "lib" starts at byte 3, leaving 2 bytes and a terminator for a new string
        Path so = gcc(tmp.resolve("tiny.so"), "-m64", "/x/lib", true, "int lib(void){return 1;}");
        assertThatThrownBy(() -> ElfFile.rewriteSearchPath(so, old -> "$ORIGIN"))
                .hasMessageContaining("only 2 are free");
    }

    @Test
    void rewritesElf32AndRpath() throws Exception {
        Path so32 = gcc(tmp.resolve("e32.so"), "-m32", "/very/long/host/prefix/lib", true, "int f(void){return 1;}");
        assertThat(ElfFile.read(so32).elfClass()).isEqualTo(32);
        ElfFile.rewriteSearchPath(so32, old -> "$ORIGIN/../lib");
        assertThat(readelfRunpath(so32)).isEqualTo("RUNPATH $ORIGIN/../lib");

        Path rpath = gcc(tmp.resolve("rpath.so"), "-m64", "/very/long/host/prefix/lib", false, "int f(void){return 1;}");
        assertThat(readelfRunpath(rpath)).isEqualTo("RPATH /very/long/host/prefix/lib");
        ElfFile.rewriteSearchPath(rpath, old -> "$ORIGIN");
        assertThat(readelfRunpath(rpath)).isEqualTo("RPATH $ORIGIN");
    }

    @Test
    void emptyResultRemovesTheEntry() throws Exception {
        Path so = gcc(tmp.resolve("drop.so"), "-m64", "/elsewhere/lib", true, "int f(void){return 1;}");
        String before = dynamicWithout(so, "RUNPATH");
        ElfFile.Rewrite r = ElfFile.rewriteSearchPath(so, old -> "");
        assertThat(r.changed()).isTrue();
        assertThat(readelfRunpath(so)).isEmpty();
        assertThat(dynamicWithout(so, "RUNPATH")).isEqualTo(before);
        assertThat(ElfFile.read(so).runpath()).isEmpty();
    }

    @Test
    void bigEndianFilesWithoutSectionHeaders() throws Exception {
        for (boolean is64 : new boolean[] {true, false}) {
            Path f = tmp.resolve("be" + (is64 ? 64 : 32) + ".so");
            Files.write(f, SyntheticElf.build(is64, ByteOrder.BIG_ENDIAN, "/build/prefix/lib", List.of("libc.so.6")));
            assertThat(run("readelf", "-h", f.toString())).contains("big endian");
            assertThat(readelfRunpath(f)).isEqualTo("RUNPATH /build/prefix/lib");
            ElfFile.Info info = ElfFile.read(f);
            assertThat(info.byteOrder()).isEqualTo(ByteOrder.BIG_ENDIAN);
            assertThat(info.needed()).containsExactly("libc.so.6");
            ElfFile.rewriteSearchPath(f, old -> "$ORIGIN/../lib");
            assertThat(readelfRunpath(f)).isEqualTo("RUNPATH $ORIGIN/../lib");
            assertThat(run("readelf", "-d", f.toString())).contains("Shared library: [libc.so.6]");
        }
    }

    @Test
    void notElf() throws Exception {
        Path f = tmp.resolve("script");
        Files.writeString(f, "#!/bin/sh\necho this is a shell script, long enough to look at its header\n");
        assertThat(ElfFile.isElf(f)).isFalse();
        assertThatThrownBy(() -> ElfFile.read(f)).hasMessageContaining("not an ELF file");
    }

    // ------------------------------------------------------------------------------------------

    /** "RUNPATH value" or "RPATH value" as readelf shows it, or "" when there is none. */
    static String readelfRunpath(Path f) throws Exception {
        String out = run("readelf", "-d", f.toString());
        Matcher m = Pattern.compile("\\((RUNPATH|RPATH)\\)\\s+Library r(?:un)?path: \\[(.*)]").matcher(out);
        return m.find() ? m.group(1) + " " + m.group(2) : "";
    }

    /** readelf -d without the entry counts, offsets and the given tag: the rest must not change. */
    private static String dynamicWithout(Path f, String tag) throws Exception {
        List<String> keep = new ArrayList<>();
        for (String line : run("readelf", "-d", f.toString()).lines().toList()) {
            if (line.contains("(" + tag + ")") || line.contains("(NULL)") || line.startsWith("Dynamic section")) {
                continue;
            }
            keep.add(line);
        }
        return String.join("\n", keep);
    }

    private Path gcc(Path out, String bits, String runpath, boolean newTags, String source) throws Exception {
        Path c = tmp.resolve(out.getFileName() + ".c");
        Files.writeString(c, source);
        ProcessBuilder pb = new ProcessBuilder("gcc", bits, "-shared", "-nostdlib", "-fPIC",
                "-Wl," + (newTags ? "--enable-new-dtags" : "--disable-new-dtags"), "-Wl,-rpath," + runpath,
                "-o", out.toString(), c.toString()).redirectErrorStream(true);
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            assumeTrue(false, "needs gcc");
            throw e;
        }
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assumeTrue(p.waitFor() == 0, "gcc " + bits + " cannot link here: " + log);
        return out;
    }

    static String run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new AssertionError(String.join(" ", cmd) + " failed: " + out);
        }
        return out;
    }

    /**
     * Writes a minimal shared object: ELF header, a PT_LOAD covering the file, a PT_DYNAMIC,
     * a string table and a dynamic array; no section headers.
     */
    static final class SyntheticElf {
        static byte[] build(boolean is64, ByteOrder order, String runpath, List<String> needed) {
            int ehsize = is64 ? 64 : 52;
            int phentsize = is64 ? 56 : 32;
            int dynent = is64 ? 16 : 8;
            // string table: "\0" + needed... + runpath
            java.io.ByteArrayOutputStream strtab = new java.io.ByteArrayOutputStream();
            strtab.write(0);
            List<Integer> neededOff = new ArrayList<>();
            for (String n : needed) {
                neededOff.add(strtab.size());
                strtab.writeBytes((n + "\0").getBytes(StandardCharsets.UTF_8));
            }
            int runpathOff = strtab.size();
            strtab.writeBytes((runpath + "\0").getBytes(StandardCharsets.UTF_8));
            byte[] str = strtab.toByteArray();
            int strOffset = ehsize + 2 * phentsize;
            int dynOffset = (strOffset + str.length + 7) & ~7;
            int ndyn = needed.size() + 4; // needed..., STRTAB, STRSZ, RUNPATH, NULL
            int total = dynOffset + ndyn * dynent;
            ByteBuffer b = ByteBuffer.allocate(total).order(order);
            b.put(new byte[] {0x7f, 'E', 'L', 'F', (byte) (is64 ? 2 : 1), (byte) (order == ByteOrder.LITTLE_ENDIAN ? 1 : 2), 1, 0});
            b.position(16);
            b.putShort((short) 3); // ET_DYN
            b.putShort((short) 21); // EM_PPC64, any big-endian machine will do
            b.putInt(1);
            if (is64) {
                b.putLong(0).putLong(ehsize).putLong(0); // entry, phoff, shoff
                b.putInt(0).putShort((short) ehsize).putShort((short) phentsize).putShort((short) 2)
                        .putShort((short) 64).putShort((short) 0).putShort((short) 0);
            } else {
                b.putInt(0).putInt(ehsize).putInt(0);
                b.putInt(0).putShort((short) ehsize).putShort((short) phentsize).putShort((short) 2)
                        .putShort((short) 40).putShort((short) 0).putShort((short) 0);
            }
            // program headers: PT_LOAD at vaddr 0x10000, PT_DYNAMIC
            long base = 0x10000;
            b.position(ehsize);
            phdr(b, is64, 1, 0, base, total, 5);
            phdr(b, is64, 2, dynOffset, base + dynOffset, ndyn * dynent, 6);
            b.position(strOffset);
            b.put(str);
            b.position(dynOffset);
            for (int off : neededOff) {
                dyn(b, is64, 1, off);
            }
            dyn(b, is64, 5, base + strOffset);
            dyn(b, is64, 10, str.length);
            dyn(b, is64, 29, runpathOff);
            dyn(b, is64, 0, 0);
            return b.array();
        }

        private static void phdr(ByteBuffer b, boolean is64, int type, long offset, long vaddr, long size, int flags) {
            if (is64) {
                b.putInt(type).putInt(flags).putLong(offset).putLong(vaddr).putLong(vaddr).putLong(size).putLong(size).putLong(8);
            } else {
                b.putInt(type).putInt((int) offset).putInt((int) vaddr).putInt((int) vaddr).putInt((int) size)
                        .putInt((int) size).putInt(flags).putInt(4);
            }
        }

        private static void dyn(ByteBuffer b, boolean is64, long tag, long val) {
            if (is64) {
                b.putLong(tag).putLong(val);
            } else {
                b.putInt((int) tag).putInt((int) val);
            }
        }
    }
}

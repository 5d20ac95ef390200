package io.packyard.bundle.interpreter;

import io.packyard.python.PackyardException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.function.UnaryOperator;

/**
 * Reads the dynamic section of an ELF file (32 or 64 bit, either byte order) and rewrites its
 * library search path ({@code DT_RUNPATH} / {@code DT_RPATH}) in place, in pure Java.
 *
 * <p>The rewrite never moves or grows anything: the new search path is written over the old
 * string in {@code .dynstr} and the rest is padded with NUL bytes. It therefore only works when
 * the new value is not longer than the old one. Relocating a host CPython always shortens the
 * path ({@code /root/.pyenv/versions/3.12.1/lib} becomes {@code $ORIGIN/../lib}); a prefix with
 * a library directory shorter than the replacement (such as {@code /opt/py/lib}) cannot be
 * rewritten and is refused with a clear error.
 *
 * <p>Linkers merge string tails in {@code .dynstr}: a symbol named {@code lib} may point into
 * the middle of {@code /prefix/lib}. Every reference into {@code .dynstr} that the dynamic loader
 * uses (dynamic entries, dynamic symbols, version definitions and needs) is collected, and the
 * new string is only written into the part of the old one that no other name shares.
 */
public final class ElfFile {

    static final int ET_EXEC = 2;
    static final int ET_DYN = 3;
    /** {@code e_machine} values of the architectures Packyard targets. */
    public static final int EM_386 = 3;
    public static final int EM_X86_64 = 62;
    public static final int EM_AARCH64 = 183;

    private static final int PT_LOAD = 1;
    private static final int PT_DYNAMIC = 2;
    private static final int SHT_DYNSYM = 11;

    private static final long DT_NULL = 0;
    private static final long DT_NEEDED = 1;
    private static final long DT_HASH = 4;
    private static final long DT_STRTAB = 5;
    private static final long DT_SYMTAB = 6;
    private static final long DT_STRSZ = 10;
    private static final long DT_SYMENT = 11;
    private static final long DT_SONAME = 14;
    private static final long DT_RPATH = 15;
    private static final long DT_RUNPATH = 29;
    private static final long DT_GNU_HASH = 0x6ffffef5L;
    private static final long DT_CONFIG = 0x6ffffefaL;
    private static final long DT_DEPAUDIT = 0x6ffffefbL;
    private static final long DT_AUDIT = 0x6ffffefcL;
    private static final long DT_VERDEF = 0x6ffffffcL;
    private static final long DT_VERDEFNUM = 0x6ffffffdL;
    private static final long DT_VERNEED = 0x6ffffffeL;
    private static final long DT_VERNEEDNUM = 0x6fffffffL;
    private static final long DT_AUXILIARY = 0x7ffffffdL;
    private static final long DT_FILTER = 0x7fffffffL;

    /** The facts about one ELF file Packyard needs. */
    public record Info(
            int elfClass,
            ByteOrder byteOrder,
            int type,
            int machine,
            List<String> needed,
            Optional<String> soname,
            Optional<String> rpath,
            Optional<String> runpath) {

        /** True for executables and shared objects that have a dynamic section. */
        public boolean isDynamic() {
            return !needed.isEmpty() || soname.isPresent() || rpath.isPresent() || runpath.isPresent();
        }
    }

    private record Segment(long type, long offset, long vaddr, long filesz) {}

    private record DynEntry(int index, long tag, long value) {}

    private final Path file;
    private final FileChannel channel;
    private final ByteOrder order;
    private final boolean is64;
    private final int type;
    private final int machine;
    private final List<Segment> segments = new ArrayList<>();
    private final List<SectionHeader> sections = new ArrayList<>();
    private long dynOffset = -1;
    private long dynSize;
    private final List<DynEntry> dynamic = new ArrayList<>();
    private long strtabOffset = -1;
    private long strtabSize;

    private record SectionHeader(long type, long offset, long size, long entsize) {}

    private ElfFile(Path file, FileChannel channel) throws IOException {
        this.file = file;
        this.channel = channel;
        ByteBuffer ident = read(0, 64);
        if (ident.limit() < 52 || !hasMagic(ident)) {
            throw malformed("not an ELF file");
        }
        int elfClass = ident.get(4);
        int data = ident.get(5);
        if (elfClass != 1 && elfClass != 2) {
            throw malformed("unknown ELF class " + elfClass);
        }
        if (data != 1 && data != 2) {
            throw malformed("unknown ELF byte order " + data);
        }
        is64 = elfClass == 2;
        order = data == 1 ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN;
        ByteBuffer h = ident.order(order);
        type = Short.toUnsignedInt(h.getShort(16));
        machine = Short.toUnsignedInt(h.getShort(18));
        long phoff = is64 ? h.getLong(32) : Integer.toUnsignedLong(h.getInt(28));
        long shoff = is64 ? h.getLong(40) : Integer.toUnsignedLong(h.getInt(32));
        int phentsize = Short.toUnsignedInt(h.getShort(is64 ? 54 : 42));
        int phnum = Short.toUnsignedInt(h.getShort(is64 ? 56 : 44));
        int shentsize = Short.toUnsignedInt(h.getShort(is64 ? 58 : 46));
        int shnum = Short.toUnsignedInt(h.getShort(is64 ? 60 : 48));
        readProgramHeaders(phoff, phentsize, phnum);
        if (shoff != 0 && shnum != 0 && shentsize >= (is64 ? 64 : 40)) {
            readSectionHeaders(shoff, shentsize, shnum);
        }
        readDynamic();
    }

    /** True when the file starts with the ELF magic number. */
    public static boolean isElf(Path file) throws IOException {
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS) || Files.size(file) < 52) {
            return false;
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(4);
            ch.read(b, 0);
            return b.position() == 4 && hasMagic(b);
        }
    }

    private static boolean hasMagic(ByteBuffer b) {
        return b.get(0) == 0x7f && b.get(1) == 'E' && b.get(2) == 'L' && b.get(3) == 'F';
    }

    /** Reads the header and the dynamic section of an ELF file. */
    public static Info read(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ElfFile elf = new ElfFile(file, ch);
            List<String> needed = new ArrayList<>();
            String soname = null;
            String rpath = null;
            String runpath = null;
            for (DynEntry e : elf.dynamic) {
                if (e.tag == DT_NEEDED) {
                    needed.add(elf.string(e.value));
                } else if (e.tag == DT_SONAME) {
                    soname = elf.string(e.value);
                } else if (e.tag == DT_RPATH) {
                    rpath = elf.string(e.value);
                } else if (e.tag == DT_RUNPATH) {
                    runpath = elf.string(e.value);
                }
            }
            return new Info(elf.is64 ? 64 : 32, elf.order, elf.type, elf.machine, List.copyOf(needed),
                    Optional.ofNullable(soname), Optional.ofNullable(rpath), Optional.ofNullable(runpath));
        }
    }

    /** What {@link #rewriteSearchPath} did. */
    public record Rewrite(boolean changed, Optional<String> before, Optional<String> after) {}

    /**
     * Rewrites the {@code DT_RUNPATH} and {@code DT_RPATH} strings of {@code file}. The function
     * receives the current value and returns the new one; an empty result removes the entry
     * (an empty search path would make the loader look in the current directory). The file keeps
     * its size; nothing but the string bytes and, for a removal, the dynamic array changes.
     *
     * @throws PackyardException (build) when the new value does not fit in place
     */
    public static Rewrite rewriteSearchPath(Path file, UnaryOperator<String> rewrite) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ElfFile elf = new ElfFile(file, ch);
            Rewrite result = elf.rewrite(rewrite);
            if (result.changed()) {
                ch.force(true);
            }
            return result;
        }
    }

    private Rewrite rewrite(UnaryOperator<String> fn) throws IOException {
        List<DynEntry> paths = dynamic.stream()
                .filter(e -> e.tag == DT_RUNPATH || e.tag == DT_RPATH)
                .toList();
        if (paths.isEmpty()) {
            return new Rewrite(false, Optional.empty(), Optional.empty());
        }
        TreeSet<Long> foreign = foreignReferences();
        String firstBefore = null;
        String firstAfter = null;
        boolean changed = false;
        List<DynEntry> toRemove = new ArrayList<>();
        // Entries sharing one string offset are rewritten once.
        TreeSet<Long> done = new TreeSet<>();
        for (DynEntry e : paths) {
            String old = string(e.value);
            String now = fn.apply(old);
            if (now == null) {
                now = "";
            }
            if (firstBefore == null) {
                firstBefore = old;
                firstAfter = now;
            }
            if (now.equals(old)) {
                continue;
            }
            changed = true;
            if (now.isEmpty()) {
                toRemove.add(e);
                continue;
            }
            if (!done.add(e.value)) {
                continue;
            }
            if (foreign.contains(e.value)) {
                throw PackyardException.build(file + ": cannot rewrite " + tagName(e.tag)
                        + ": its string '" + old + "' is also used as another name in .dynstr");
            }
            byte[] bytes = now.getBytes(StandardCharsets.UTF_8);
            int oldLen = old.getBytes(StandardCharsets.UTF_8).length;
            // Room: up to the first foreign reference into this string, else the whole string.
            long room = oldLen + 1;
            Long inner = foreign.higher(e.value);
            if (inner != null && inner <= e.value + oldLen) {
                room = inner - e.value;
            }
            if (bytes.length + 1 > room) {
                throw PackyardException.build(file + ": cannot rewrite " + tagName(e.tag) + " '" + old
                        + "' to '" + now + "' in place: the new value needs " + bytes.length
                        + " bytes and only " + (room - 1) + " are free (Packyard never grows .dynstr)");
            }
            // the new string, then NUL bytes up to the end of the room: terminator and padding
            ByteBuffer out = ByteBuffer.allocate((int) room);
            out.put(bytes);
            out.position(0);
            write(strtabOffset + e.value, out);
        }
        if (!toRemove.isEmpty()) {
            removeDynamicEntries(toRemove);
        }
        return new Rewrite(changed, Optional.ofNullable(firstBefore),
                firstAfter == null || firstAfter.isEmpty() ? Optional.empty() : Optional.of(firstAfter));
    }

    /** Drops entries from the dynamic array by shifting the later ones up; DT_NULL fills the end. */
    private void removeDynamicEntries(List<DynEntry> remove) throws IOException {
        int entSize = is64 ? 16 : 8;
        List<DynEntry> keep = new ArrayList<>();
        for (DynEntry e : dynamic) {
            if (!remove.contains(e)) {
                keep.add(e);
            }
        }
        // the entries we read plus their DT_NULL terminator, never past the PT_DYNAMIC segment
        int total = (int) Math.min(dynamic.size() + 1, dynSize / entSize);
        ByteBuffer out = ByteBuffer.allocate(total * entSize).order(order);
        for (DynEntry e : keep) {
            if (is64) {
                out.putLong(e.tag).putLong(e.value);
            } else {
                out.putInt((int) e.tag).putInt((int) e.value);
            }
        }
        // remaining bytes are zero: DT_NULL entries
        out.position(0).limit(total * entSize);
        write(dynOffset, out);
    }

    /** Offsets into .dynstr used by anything but DT_RUNPATH / DT_RPATH. */
    private TreeSet<Long> foreignReferences() throws IOException {
        TreeSet<Long> refs = new TreeSet<>();
        for (DynEntry e : dynamic) {
            if (e.tag == DT_NEEDED || e.tag == DT_SONAME || e.tag == DT_CONFIG || e.tag == DT_DEPAUDIT
                    || e.tag == DT_AUDIT || e.tag == DT_AUXILIARY || e.tag == DT_FILTER) {
                refs.add(e.value);
            }
        }
        // dynamic symbols
        long symtab = dynValue(DT_SYMTAB);
        if (symtab >= 0) {
            long symOff = fileOffset(symtab);
            long syment = dynValue(DT_SYMENT) > 0 ? dynValue(DT_SYMENT) : (is64 ? 24 : 16);
            long count = symbolCount(symOff, syment);
            if (symOff >= 0 && count > 0) {
                ByteBuffer syms = read(symOff, (int) Math.min(count * syment, Integer.MAX_VALUE - 8));
                for (long i = 0; i < count && (i + 1) * syment <= syms.limit(); i++) {
                    long name = Integer.toUnsignedLong(syms.getInt((int) (i * syment)));
                    if (name != 0) {
                        refs.add(name);
                    }
                }
            }
        }
        // version needs: Elf_Verneed {u16 version, u16 cnt, u32 file, u32 aux, u32 next}
        long verneed = dynValue(DT_VERNEED);
        long verneedNum = dynValue(DT_VERNEEDNUM);
        if (verneed >= 0 && verneedNum > 0) {
            long off = fileOffset(verneed);
            for (long i = 0; i < verneedNum && off >= 0; i++) {
                ByteBuffer vn = read(off, 16);
                if (vn.limit() < 16) {
                    break;
                }
                int cnt = Short.toUnsignedInt(vn.getShort(2));
                refs.add(Integer.toUnsignedLong(vn.getInt(4)));
                long aux = off + Integer.toUnsignedLong(vn.getInt(8));
                for (int j = 0; j < cnt; j++) {
                    ByteBuffer va = read(aux, 16);
                    if (va.limit() < 16) {
                        break;
                    }
                    refs.add(Integer.toUnsignedLong(va.getInt(8)));
                    long next = Integer.toUnsignedLong(va.getInt(12));
                    if (next == 0) {
                        break;
                    }
                    aux += next;
                }
                long next = Integer.toUnsignedLong(vn.getInt(12));
                if (next == 0) {
                    break;
                }
                off += next;
            }
        }
        // version definitions: Elf_Verdef {u16 version, u16 flags, u16 ndx, u16 cnt, u32 hash, u32 aux, u32 next}
        long verdef = dynValue(DT_VERDEF);
        long verdefNum = dynValue(DT_VERDEFNUM);
        if (verdef >= 0 && verdefNum > 0) {
            long off = fileOffset(verdef);
            for (long i = 0; i < verdefNum && off >= 0; i++) {
                ByteBuffer vd = read(off, 20);
                if (vd.limit() < 20) {
                    break;
                }
                int cnt = Short.toUnsignedInt(vd.getShort(6));
                long aux = off + Integer.toUnsignedLong(vd.getInt(12));
                for (int j = 0; j < cnt; j++) {
                    ByteBuffer va = read(aux, 8);
                    if (va.limit() < 8) {
                        break;
                    }
                    refs.add(Integer.toUnsignedLong(va.getInt(0)));
                    long next = Integer.toUnsignedLong(va.getInt(4));
                    if (next == 0) {
                        break;
                    }
                    aux += next;
                }
                long next = Integer.toUnsignedLong(vd.getInt(16));
                if (next == 0) {
                    break;
                }
                off += next;
            }
        }
        return refs;
    }

    /** Number of dynamic symbols: from the section header when there is one, else DT_HASH or DT_GNU_HASH. */
    private long symbolCount(long symOff, long syment) throws IOException {
        for (SectionHeader s : sections) {
            if (s.type == SHT_DYNSYM && s.offset == symOff && s.entsize > 0) {
                return s.size / s.entsize;
            }
        }
        long hash = dynValue(DT_HASH);
        if (hash >= 0) {
            long off = fileOffset(hash);
            if (off >= 0) {
                ByteBuffer h = read(off, 8);
                if (h.limit() == 8) {
                    return Integer.toUnsignedLong(h.getInt(4)); // nchain
                }
            }
        }
        long gnu = dynValue(DT_GNU_HASH);
        if (gnu >= 0) {
            long off = fileOffset(gnu);
            if (off < 0) {
                return 0;
            }
            ByteBuffer h = read(off, 16);
            if (h.limit() < 16) {
                return 0;
            }
            long nbuckets = Integer.toUnsignedLong(h.getInt(0));
            long symoffset = Integer.toUnsignedLong(h.getInt(4));
            long bloomSize = Integer.toUnsignedLong(h.getInt(8));
            long bucketsOff = off + 16 + bloomSize * (is64 ? 8 : 4);
            ByteBuffer buckets = read(bucketsOff, (int) (nbuckets * 4));
            long max = 0;
            for (int i = 0; i + 4 <= buckets.limit(); i += 4) {
                max = Math.max(max, Integer.toUnsignedLong(buckets.getInt(i)));
            }
            if (max < symoffset) {
                return symoffset;
            }
            long chainOff = bucketsOff + nbuckets * 4;
            long idx = max;
            while (true) {
                ByteBuffer c = read(chainOff + (idx - symoffset) * 4, 4);
                if (c.limit() < 4 || (c.getInt(0) & 1) != 0) {
                    break;
                }
                idx++;
            }
            return idx + 1;
        }
        return 0;
    }

    private long dynValue(long tag) {
        for (DynEntry e : dynamic) {
            if (e.tag == tag) {
                return e.value;
            }
        }
        return -1;
    }

    private static String tagName(long tag) {
        return tag == DT_RUNPATH ? "RUNPATH" : "RPATH";
    }

    private void readProgramHeaders(long phoff, int phentsize, int phnum) throws IOException {
        if (phoff == 0 || phnum == 0) {
            return;
        }
        if (phentsize < (is64 ? 56 : 32)) {
            throw malformed("bad program header size " + phentsize);
        }
        ByteBuffer ph = read(phoff, phentsize * phnum);
        if (ph.limit() < phentsize * phnum) {
            throw malformed("truncated program headers");
        }
        for (int i = 0; i < phnum; i++) {
            int b = i * phentsize;
            long ptype = Integer.toUnsignedLong(ph.getInt(b));
            long offset;
            long vaddr;
            long filesz;
            if (is64) {
                offset = ph.getLong(b + 8);
                vaddr = ph.getLong(b + 16);
                filesz = ph.getLong(b + 32);
            } else {
                offset = Integer.toUnsignedLong(ph.getInt(b + 4));
                vaddr = Integer.toUnsignedLong(ph.getInt(b + 8));
                filesz = Integer.toUnsignedLong(ph.getInt(b + 16));
            }
            segments.add(new Segment(ptype, offset, vaddr, filesz));
        }
    }

    private void readSectionHeaders(long shoff, int shentsize, int shnum) throws IOException {
        ByteBuffer sh = read(shoff, shentsize * shnum);
        if (sh.limit() < shentsize * shnum) {
            return; // a truncated section table is not needed for the dynamic view
        }
        for (int i = 0; i < shnum; i++) {
            int b = i * shentsize;
            long stype = Integer.toUnsignedLong(sh.getInt(b + 4));
            long offset = is64 ? sh.getLong(b + 24) : Integer.toUnsignedLong(sh.getInt(b + 16));
            long size = is64 ? sh.getLong(b + 32) : Integer.toUnsignedLong(sh.getInt(b + 20));
            long entsize = is64 ? sh.getLong(b + 56) : Integer.toUnsignedLong(sh.getInt(b + 36));
            sections.add(new SectionHeader(stype, offset, size, entsize));
        }
    }

    private void readDynamic() throws IOException {
        Segment dyn = null;
        for (Segment s : segments) {
            if (s.type == PT_DYNAMIC) {
                dyn = s;
                break;
            }
        }
        if (dyn == null) {
            return; // static executable, object file: nothing to do
        }
        dynOffset = dyn.offset;
        dynSize = dyn.filesz;
        int entSize = is64 ? 16 : 8;
        ByteBuffer d = read(dynOffset, (int) Math.min(dynSize, 1 << 20));
        int count = d.limit() / entSize;
        for (int i = 0; i < count; i++) {
            long tag = is64 ? d.getLong(i * entSize) : d.getInt(i * entSize);
            long val = is64 ? d.getLong(i * entSize + 8) : Integer.toUnsignedLong(d.getInt(i * entSize + 4));
            if (tag == DT_NULL) {
                break;
            }
            dynamic.add(new DynEntry(i, tag, val));
        }
        long strtab = dynValue(DT_STRTAB);
        if (strtab < 0) {
            throw malformed("dynamic section without DT_STRTAB");
        }
        strtabOffset = fileOffset(strtab);
        if (strtabOffset < 0) {
            throw malformed("DT_STRTAB address 0x" + Long.toHexString(strtab) + " is in no loaded segment");
        }
        strtabSize = Math.max(0, dynValue(DT_STRSZ));
    }

    /** Maps a virtual address to a file offset through the PT_LOAD segments; -1 when unmapped. */
    private long fileOffset(long vaddr) {
        for (Segment s : segments) {
            if (s.type == PT_LOAD && Long.compareUnsigned(vaddr, s.vaddr) >= 0
                    && Long.compareUnsigned(vaddr - s.vaddr, s.filesz) < 0) {
                return vaddr - s.vaddr + s.offset;
            }
        }
        return -1;
    }

    private String string(long offset) throws IOException {
        if (strtabSize > 0 && offset >= strtabSize) {
            throw malformed("string offset " + offset + " outside .dynstr (" + strtabSize + " bytes)");
        }
        long pos = strtabOffset + offset;
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        while (true) {
            ByteBuffer b = read(pos, 256);
            if (b.limit() == 0) {
                throw malformed("unterminated string in .dynstr");
            }
            for (int i = 0; i < b.limit(); i++) {
                byte c = b.get(i);
                if (c == 0) {
                    return out.toString(StandardCharsets.UTF_8);
                }
                out.write(c);
            }
            pos += b.limit();
            if (out.size() > 1 << 16) {
                throw malformed("string in .dynstr longer than 64 KiB");
            }
        }
    }

    private ByteBuffer read(long pos, int len) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(Math.max(0, len)).order(order == null ? ByteOrder.LITTLE_ENDIAN : order);
        while (b.hasRemaining()) {
            int n = channel.read(b, pos + b.position());
            if (n < 0) {
                break;
            }
        }
        b.flip();
        return b;
    }

    private void write(long pos, ByteBuffer data) throws IOException {
        long p = pos;
        while (data.hasRemaining()) {
            p += channel.write(data, p);
        }
    }

    private PackyardException malformed(String what) {
        return PackyardException.build(file + ": malformed ELF file: " + what);
    }
}

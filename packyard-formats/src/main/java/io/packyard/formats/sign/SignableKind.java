package io.packyard.formats.sign;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.Set;

/**
 * The kinds of file Authenticode signs here, told apart by content, never by name (the pipeline
 * signs packages under temporary names):
 *
 * <ul>
 *   <li>{@link #PE}: a Portable Executable, {@code MZ} with a {@code PE\0\0} header where
 *       {@code e_lfanew} points ({@code .exe}, {@code .dll}, {@code .pyd});
 *   <li>{@link #MSI}: a compound file (the OLE {@code D0 CF 11 E0 A1 B1 1A E1} signature) whose
 *       root storage has the class id of a Windows Installer package, patch or transform.
 * </ul>
 */
public enum SignableKind {
    PE,
    MSI;

    private static final long CFB_SIGNATURE = 0xE11AB1A1E011CFD0L;
    /** {000C1084-...} package, {000C1086-...} patch, {000C1082-...} transform, as stored (little-endian fields). */
    private static final Set<String> MSI_CLASS_IDS = Set.of(
            "84100c0000000000c000000000000046",
            "86100c0000000000c000000000000046",
            "82100c0000000000c000000000000046");

    /** What {@code file} is, or empty when it is neither a PE file nor a Windows Installer database. */
    public static Optional<SignableKind> of(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            ByteBuffer head = read(ch, 0, 512);
            if (head.remaining() >= 0x40 && head.get(0) == 'M' && head.get(1) == 'Z') {
                long peOffset = head.getInt(0x3C) & 0xFFFFFFFFL;
                if (peOffset + 4 <= size) {
                    ByteBuffer pe = read(ch, peOffset, 4);
                    if (pe.remaining() == 4 && pe.get(0) == 'P' && pe.get(1) == 'E' && pe.get(2) == 0 && pe.get(3) == 0) {
                        return Optional.of(PE);
                    }
                }
                return Optional.empty();
            }
            if (head.remaining() >= 512 && head.getLong(0) == CFB_SIGNATURE) {
                int sectorShift = head.getShort(0x1E) & 0xFFFF;
                if (sectorShift != 9 && sectorShift != 12) {
                    return Optional.empty();
                }
                long firstDirSector = head.getInt(0x30) & 0xFFFFFFFFL;
                long rootEntry = (firstDirSector + 1) << sectorShift;
                if (rootEntry + 128 > size) {
                    return Optional.empty();
                }
                ByteBuffer root = read(ch, rootEntry, 128);
                if (root.remaining() < 128 || root.get(0x42) != 5) { // object type 5: root storage
                    return Optional.empty();
                }
                StringBuilder clsid = new StringBuilder();
                for (int i = 0; i < 16; i++) {
                    clsid.append(String.format("%02x", root.get(0x50 + i) & 0xff));
                }
                return MSI_CLASS_IDS.contains(clsid.toString()) ? Optional.of(MSI) : Optional.empty();
            }
            return Optional.empty();
        }
    }

    private static ByteBuffer read(FileChannel ch, long pos, int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
        while (b.hasRemaining()) {
            int r = ch.read(b, pos + b.position());
            if (r < 0) {
                break;
            }
        }
        b.flip();
        return b;
    }
}

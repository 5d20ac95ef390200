package io.packyard.msi.db;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

/**
 * Serializes {@link SummaryInfo} as an OLE property set (MS-OLEPS) with one section of format id
 * FMTID_SummaryInformation {F29F85E0-4FF9-1068-AB91-08002B27B3D9}: the bytes of the
 * {@code \005SummaryInformation} stream. Deterministic: properties in id order, no dictionary, no
 * locale, zero padding.
 */
final class SummaryWriter {

    static final String STREAM_NAME = "\u0005SummaryInformation";

    private static final int VT_I2 = 2;
    private static final int VT_I4 = 3;
    private static final int VT_LPSTR = 30;
    private static final int VT_FILETIME = 64;
    /** Seconds between 1601-01-01 and 1970-01-01. */
    private static final long FILETIME_EPOCH_OFFSET = 11_644_473_600L;
    /** FMTID_SummaryInformation in on-disk byte order. */
    private static final byte[] FMTID = {
        (byte) 0xE0, (byte) 0x85, (byte) 0x9F, (byte) 0xF2, (byte) 0xF9, 0x4F, 0x68, 0x10,
        (byte) 0xAB, (byte) 0x91, 0x08, 0x00, 0x2B, 0x27, (byte) 0xB3, (byte) 0xD9};

    private SummaryWriter() {
    }

    static byte[] write(SummaryInfo s) {
        Charset cs = MsiDatabase.charsetFor(s.codepage());
        Map<Integer, byte[]> props = new TreeMap<>();
        props.put(1, i2(s.codepage()));
        str(props, 2, "Title", s.title(), cs, s.codepage());
        str(props, 3, "Subject", s.subject(), cs, s.codepage());
        str(props, 4, "Author", s.author(), cs, s.codepage());
        str(props, 5, "Keywords", s.keywords(), cs, s.codepage());
        str(props, 6, "Comments", s.comments(), cs, s.codepage());
        str(props, 7, "Template", s.template(), cs, s.codepage());
        str(props, 8, "Last Saved By", s.lastSavedBy(), cs, s.codepage());
        str(props, 9, "Revision Number", s.revisionNumber(), cs, s.codepage());
        if (s.createTime() != null) {
            props.put(12, filetime(s.createTime()));
        }
        if (s.lastSaveTime() != null) {
            props.put(13, filetime(s.lastSaveTime()));
        }
        props.put(14, i4(s.pageCount()));
        props.put(15, i4(s.wordCount()));
        str(props, 18, "Creating Application", s.creatingApplication(), cs, s.codepage());
        props.put(19, i4(s.security()));

        int headerSize = 8 + 8 * props.size();
        int sectionSize = headerSize;
        for (byte[] v : props.values()) {
            sectionSize += v.length;
        }
        ByteBuffer b = ByteBuffer.allocate(48 + sectionSize).order(ByteOrder.LITTLE_ENDIAN);
        b.putShort((short) 0xFFFE);
        b.putShort((short) 0); // version
        b.putInt(0x00020006); // OS: Win32, version 6
        b.put(new byte[16]); // CLSID
        b.putInt(1); // sections
        b.put(FMTID);
        b.putInt(48);
        b.putInt(sectionSize);
        b.putInt(props.size());
        int offset = headerSize;
        for (Map.Entry<Integer, byte[]> e : props.entrySet()) {
            b.putInt(e.getKey());
            b.putInt(offset);
            offset += e.getValue().length;
        }
        for (byte[] v : props.values()) {
            b.put(v);
        }
        return b.array();
    }

    private static byte[] i2(int v) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putInt(VT_I2).putShort((short) v).array();
    }

    private static byte[] i4(int v) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putInt(VT_I4).putInt(v).array();
    }

    private static byte[] filetime(Instant t) {
        long ticks = Math.addExact(Math.multiplyExact(t.getEpochSecond() + FILETIME_EPOCH_OFFSET, 10_000_000L), t.getNano() / 100);
        return ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN).putInt(VT_FILETIME).putLong(ticks).array();
    }

    private static void str(Map<Integer, byte[]> props, int id, String what, String value, Charset cs, int codepage) {
        if (value == null) {
            return;
        }
        byte[] enc;
        try {
            ByteBuffer bb = cs.newEncoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .encode(CharBuffer.wrap(value));
            enc = new byte[bb.remaining()];
            bb.get(enc);
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("summary information " + what + " '" + value
                    + "' cannot be stored in code page " + codepage + " (set SummaryInfo.codepage)");
        }
        for (byte x : enc) {
            if (x == 0) {
                throw new IllegalArgumentException("summary information " + what + " contains a NUL character");
            }
        }
        int len = enc.length + 1;
        int padded = (len + 3) & ~3;
        ByteArrayOutputStream out = new ByteArrayOutputStream(8 + padded);
        ByteBuffer head = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putInt(VT_LPSTR).putInt(len);
        out.writeBytes(head.array());
        out.writeBytes(enc);
        out.writeBytes(new byte[padded - enc.length]);
        props.put(id, out.toByteArray());
    }
}

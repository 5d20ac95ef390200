package io.packyard.python.upload;

import java.io.IOException;
import java.io.InputStream;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * A gzip (RFC 1952) decompressor that is strict where {@link java.util.zip.GZIPInputStream} is
 * lenient: every member's header flags, CRC-32 and length are checked, several members may follow
 * each other (as gzip allows), but anything after the last member that is not another complete
 * member is an error, not silently ignored. Every byte produced is charged to an
 * {@link InflationBudget}.
 */
final class GzipStream extends InputStream {

    /** A gzip format violation. */
    static final class GzipException extends IOException {
        GzipException(String message) {
            super(message);
        }
    }

    private static final int FHCRC = 2;
    private static final int FEXTRA = 4;
    private static final int FNAME = 8;
    private static final int FCOMMENT = 16;

    private final InputStream in;
    private final InflationBudget budget;
    private final Inflater inflater = new Inflater(true);
    private final CRC32 crc = new CRC32();
    private final byte[] buf = new byte[64 * 1024];
    private int bufPos;
    private int bufLen;
    private long memberBytes;
    private boolean inMember;
    private boolean eof;

    GzipStream(InputStream in, InflationBudget budget) throws IOException {
        this.in = in;
        this.budget = budget;
        if (!readHeader(true)) {
            throw new GzipException("File is not a gzip file");
        }
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        while (!eof) {
            if (!inMember) {
                if (!readHeader(false)) {
                    eof = true;
                    return -1;
                }
            }
            try {
                if (inflater.needsInput()) {
                    if (!fill()) {
                        throw new GzipException("Compressed file ended before the end-of-stream marker was reached");
                    }
                    inflater.setInput(buf, bufPos, bufLen - bufPos);
                    bufPos = bufLen;
                }
                int n = inflater.inflate(b, off, len);
                if (n > 0) {
                    crc.update(b, off, n);
                    memberBytes += n;
                    budget.add(n); // throws UploadRejectedException past a bound
                    return n;
                }
                if (inflater.finished()) {
                    // give back what the inflater did not use, then read the trailer
                    int remaining = inflater.getRemaining();
                    bufPos -= remaining;
                    readTrailer();
                    inflater.reset();
                    inMember = false;
                } else if (inflater.needsDictionary()) {
                    throw new GzipException("Corrupt gzip data: preset dictionary");
                }
            } catch (DataFormatException e) {
                throw new GzipException("Corrupt gzip data: " + e.getMessage());
            }
        }
        return -1;
    }

    private boolean fill() throws IOException {
        if (bufPos < bufLen) {
            return true;
        }
        int n = in.read(buf, 0, buf.length);
        if (n <= 0) {
            return false;
        }
        bufPos = 0;
        bufLen = n;
        return true;
    }

    private int readByte() throws IOException {
        if (!fill()) {
            throw new GzipException("Truncated gzip data");
        }
        return buf[bufPos++] & 0xFF;
    }

    /** Reads a member header; false at a clean end of input (only allowed after a member). */
    private boolean readHeader(boolean first) throws IOException {
        if (!fill()) {
            return false;
        }
        if (!first) {
            // like Python's gzip module: zero bytes padding the end of the file are ignored
            while (buf[bufPos] == 0) {
                bufPos++;
                if (!fill()) {
                    return false;
                }
            }
        }
        int id1 = readByte();
        int id2 = readByte();
        if (id1 != 0x1f || id2 != 0x8b) {
            throw new GzipException(first ? "File is not a gzip file" : "Trailing data after the gzip stream");
        }
        int method = readByte();
        if (method != 8) {
            throw new GzipException("Unsupported gzip compression method " + method);
        }
        int flags = readByte();
        if ((flags & 0xE0) != 0) {
            throw new GzipException("Reserved gzip header flags are set");
        }
        for (int i = 0; i < 6; i++) {
            readByte(); // mtime, xfl, os
        }
        if ((flags & FEXTRA) != 0) {
            int xlen = readByte() | (readByte() << 8);
            for (int i = 0; i < xlen; i++) {
                readByte();
            }
        }
        if ((flags & FNAME) != 0) {
            skipZeroTerminated();
        }
        if ((flags & FCOMMENT) != 0) {
            skipZeroTerminated();
        }
        if ((flags & FHCRC) != 0) {
            readByte();
            readByte();
        }
        // FTEXT is advisory only
        inMember = true;
        crc.reset();
        memberBytes = 0;
        return true;
    }

    private void skipZeroTerminated() throws IOException {
        int n = 0;
        while (readByte() != 0) {
            if (++n > 64 * 1024) {
                throw new GzipException("Gzip header field too long");
            }
        }
    }

    private void readTrailer() throws IOException {
        long storedCrc = 0;
        for (int i = 0; i < 4; i++) {
            storedCrc |= ((long) readByte()) << (8 * i);
        }
        long storedSize = 0;
        for (int i = 0; i < 4; i++) {
            storedSize |= ((long) readByte()) << (8 * i);
        }
        if (storedCrc != crc.getValue()) {
            throw new GzipException("CRC check failed in gzip data");
        }
        if (storedSize != (memberBytes & 0xFFFFFFFFL)) {
            throw new GzipException("Incorrect length in gzip trailer");
        }
    }

    @Override
    public void close() throws IOException {
        inflater.end();
        in.close();
    }
}

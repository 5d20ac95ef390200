package io.packyard.python.upload;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPOutputStream;

/** Writes ustar archives (and pax / GNU extension headers) byte by byte, for crafted sdists. */
final class TestTar {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    /** Extra bytes written into the gzip stream after the end-of-archive blocks. */
    byte[] afterEnd = new byte[0];

    TestTar file(String name, String content) {
        return file(name, content.getBytes(StandardCharsets.UTF_8));
    }

    TestTar file(String name, byte[] content) {
        out.writeBytes(header(name, '0', content.length, ""));
        data(content);
        return this;
    }

    TestTar dir(String name) {
        out.writeBytes(header(name.endsWith("/") ? name : name + "/", '5', 0, ""));
        return this;
    }

    TestTar symlink(String name, String target) {
        out.writeBytes(header(name, '2', 0, target));
        return this;
    }

    TestTar hardlink(String name, String target) {
        out.writeBytes(header(name, '1', 0, target));
        return this;
    }

    /** A member of any type with no data. */
    TestTar special(String name, char type) {
        out.writeBytes(header(name, type, 0, ""));
        return this;
    }

    /** A pax extended header ('x' or 'g') with the given records ("key=value"). */
    TestTar pax(char type, String... records) {
        StringBuilder sb = new StringBuilder();
        for (String r : records) {
            String body = " " + r + "\n";
            int len = body.getBytes(StandardCharsets.UTF_8).length;
            int total = len + String.valueOf(len).length();
            if (String.valueOf(total).length() != String.valueOf(len).length()) {
                total++;
            }
            sb.append(total).append(body);
        }
        byte[] data = sb.toString().getBytes(StandardCharsets.UTF_8);
        out.writeBytes(header("PaxHeader", type, data.length, ""));
        data(data);
        return this;
    }

    /** A GNU long name header ('L') for the next member. */
    TestTar gnuLongName(String name) {
        byte[] data = (name + "\0").getBytes(StandardCharsets.UTF_8);
        out.writeBytes(header("././@LongLink", 'L', data.length, ""));
        data(data);
        return this;
    }

    /** Raw bytes (a crafted header). */
    TestTar raw(byte[] block) {
        out.writeBytes(block);
        return this;
    }

    private void data(byte[] content) {
        out.writeBytes(content);
        int pad = (512 - content.length % 512) % 512;
        out.writeBytes(new byte[pad]);
    }

    static byte[] header(String name, char type, long size, String link) {
        byte[] h = new byte[512];
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        if (n.length > 100) {
            throw new IllegalArgumentException("name too long for a plain header: " + name);
        }
        System.arraycopy(n, 0, h, 0, n.length);
        octal(h, 100, 8, type == '5' ? 0755 : 0644);
        octal(h, 108, 8, 0);
        octal(h, 116, 8, 0);
        octal(h, 124, 12, size);
        octal(h, 136, 12, 1700000000L);
        h[156] = (byte) type;
        byte[] l = link.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(l, 0, h, 157, l.length);
        System.arraycopy("ustar\0".getBytes(StandardCharsets.US_ASCII), 0, h, 257, 6);
        h[263] = '0';
        h[264] = '0';
        checksum(h);
        return h;
    }

    static void checksum(byte[] h) {
        for (int i = 148; i < 156; i++) {
            h[i] = ' ';
        }
        long sum = 0;
        for (byte b : h) {
            sum += b & 0xFF;
        }
        String s = String.format("%06o", sum);
        System.arraycopy(s.getBytes(StandardCharsets.US_ASCII), 0, h, 148, 6);
        h[154] = 0;
        h[155] = ' ';
    }

    private static void octal(byte[] h, int off, int len, long v) {
        String s = String.format("%0" + (len - 1) + "o", v);
        System.arraycopy(s.getBytes(StandardCharsets.US_ASCII), 0, h, off, len - 1);
        h[off + len - 1] = 0;
    }

    /** The uncompressed tar, with the two end-of-archive blocks. */
    byte[] tar() {
        ByteArrayOutputStream t = new ByteArrayOutputStream();
        t.writeBytes(out.toByteArray());
        t.writeBytes(new byte[1024]);
        t.writeBytes(afterEnd);
        return t.toByteArray();
    }

    /** The archive gzip-compressed. */
    byte[] tarGz() {
        return gzip(tar());
    }

    static byte[] gzip(byte[] data) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(b)) {
            gz.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return b.toByteArray();
    }
}

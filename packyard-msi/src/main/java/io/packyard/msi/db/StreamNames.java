package io.packyard.msi.db;

/**
 * Windows Installer's compression of table and stream names into compound-file entry names.
 *
 * <p>Characters of the 64-letter alphabet {@code 0-9 A-Z a-z . _} (values 0..63 in that order) are
 * packed two per UTF-16 unit as {@code 0x3800 + a + (b << 6)}, a lone trailing one as
 * {@code 0x4800 + a}; any other character is kept as is. Table streams start with the marker
 * {@code 0x4840}; other streams (binary cells, cabinets) have none. The summary information
 * streams ({@code \005SummaryInformation}) are not encoded at all. The compound file allows 31
 * UTF-16 units per name, hence at most 62 alphabet characters per stream name.
 */
public final class StreamNames {

    /** Longest entry name in a compound file, in UTF-16 units (without the terminating NUL). */
    public static final int MAX_ENCODED_LENGTH = 31;

    private StreamNames() {
    }

    /** The alphabet value of {@code c} (0..63), or -1 if {@code c} is not in it. */
    static int value(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'A' && c <= 'Z') {
            return c - 'A' + 10;
        }
        if (c >= 'a' && c <= 'z') {
            return c - 'a' + 36;
        }
        if (c == '.') {
            return 62;
        }
        if (c == '_') {
            return 63;
        }
        return -1;
    }

    /** The character of alphabet value {@code v} (0..63). */
    static char character(int v) {
        if (v < 10) {
            return (char) ('0' + v);
        }
        if (v < 36) {
            return (char) ('A' + v - 10);
        }
        if (v < 62) {
            return (char) ('a' + v - 36);
        }
        return v == 62 ? '.' : '_';
    }

    /**
     * The encoded name of a table ({@code table == true}: with the 0x4840 marker) or other stream.
     */
    public static String encode(String name, boolean table) {
        StringBuilder out = new StringBuilder(name.length() / 2 + 2);
        if (table) {
            out.append((char) 0x4840);
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            int a = value(c);
            if (a < 0) {
                out.append(c);
                continue;
            }
            int b = i + 1 < name.length() ? value(name.charAt(i + 1)) : -1;
            if (b >= 0) {
                out.append((char) (0x3800 + a + (b << 6)));
                i++;
            } else {
                out.append((char) (0x4800 + a));
            }
        }
        return out.toString();
    }

    /** The decoded name (the table marker dropped), the inverse of {@link #encode}. */
    public static String decode(String encoded) {
        StringBuilder out = new StringBuilder(encoded.length() * 2);
        for (int i = 0; i < encoded.length(); i++) {
            char c = encoded.charAt(i);
            if (c >= 0x3800 && c < 0x4800) {
                int v = c - 0x3800;
                out.append(character(v & 0x3f)).append(character(v >> 6));
            } else if (c >= 0x4800 && c < 0x4840) {
                out.append(character(c - 0x4800));
            } else if (c == 0x4840) {
                // table marker
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}

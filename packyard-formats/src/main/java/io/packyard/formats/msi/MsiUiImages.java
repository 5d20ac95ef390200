package io.packyard.formats.msi;

import java.io.ByteArrayOutputStream;

/**
 * The default images of the installer's dialogs, drawn in Java without any image file or AWT:
 * the welcome/finish bitmap, the banner of the inner dialogs, and four small icons (exclamation,
 * information, "up one level", "new folder").
 *
 * <p>Every pixel is computed with plain arithmetic (shapes are anti-aliased by 4x4 supersampling)
 * and Java floating point is strict, so the files are the same bytes on every machine and JDK.
 * Bitmaps are 24-bit uncompressed BMP (what the Bitmap control loads); icons are 32-bit ICO with an
 * alpha channel and a matching AND mask.
 *
 * <p>Sizes: the dialog bitmap covers the 370x234 dialog units above the button row (493x312 pixels
 * at the standard 96 DPI, Tahoma 8 dialog base units), the banner 370x44 units (493x58 pixels).
 */
final class MsiUiImages {

    /** Width and height of the welcome/finish bitmap in pixels. */
    static final int DIALOG_WIDTH = 493;
    static final int DIALOG_HEIGHT = 312;
    /** Width and height of the banner bitmap in pixels. */
    static final int BANNER_WIDTH = 493;
    static final int BANNER_HEIGHT = 58;

    /** Width in pixels of the coloured panel on the left of the dialog bitmap (the text starts at 180). */
    static final int PANEL_WIDTH = 164;

    // Palette (RGB): a deep blue-to-teal gradient, an amber accent, white paper.
    private static final int TOP = 0x16324F;
    private static final int BOTTOM = 0x1F7A80;
    private static final int AMBER = 0xF2A93B;
    private static final int WHITE = 0xFFFFFF;
    private static final int INK = 0x1B2733;

    private static final int SS = 4; // supersampling grid per axis

    private MsiUiImages() {
    }

    /** The welcome/finish bitmap: a gradient panel with the stacked-crates mark, white elsewhere. */
    static byte[] dialogBitmap() {
        int w = DIALOG_WIDTH;
        int h = DIALOG_HEIGHT;
        int[] rgb = new int[w * h];
        double cx = PANEL_WIDTH / 2.0;
        double cy = h - 84.0;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int c;
                if (x < PANEL_WIDTH) {
                    c = lerp(TOP, BOTTOM, (double) y / (h - 1));
                    c = mix(c, WHITE, 0.92 * crates(x, y, cx, cy, 20.0));
                } else if (x < PANEL_WIDTH + 3) {
                    c = mix(AMBER, WHITE, (x - PANEL_WIDTH) / 3.0 * 0.6);
                } else {
                    c = WHITE;
                }
                rgb[y * w + x] = c;
            }
        }
        return bmp(w, h, rgb);
    }

    /** The banner: white, with the mark in the panel colours at the right end and a thin amber rule under it. */
    static byte[] bannerBitmap() {
        int w = BANNER_WIDTH;
        int h = BANNER_HEIGHT;
        int[] rgb = new int[w * h];
        double cx = w - 40.0;
        double cy = h / 2.0 + 1;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                double cover = crates(x, y, cx, cy, 9.0);
                int tone = lerp(TOP, BOTTOM, Math.min(1, Math.max(0, (y - 8) / 42.0)));
                int c = mix(WHITE, tone, cover);
                rgb[y * w + x] = c;
            }
        }
        return bmp(w, h, rgb);
    }

    /**
     * Coverage (0..1) of the mark at pixel (px, py): three rounded squares of side {@code s}
     * stacked as a pyramid (two below, one on top), centred on (cx, cy).
     */
    private static double crates(int px, int py, double cx, double cy, double s) {
        double gap = s * 0.18;
        double half = s / 2;
        double r = s * 0.16;
        double[][] centres = {
            {cx - half - gap / 2, cy + half + gap / 2},
            {cx + half + gap / 2, cy + half + gap / 2},
            {cx, cy - half - gap / 2},
        };
        // quick reject
        if (Math.abs(px + 0.5 - cx) > 2 * s + 2 || Math.abs(py + 0.5 - cy) > 2 * s + 2) {
            return 0;
        }
        int inside = 0;
        for (int sy = 0; sy < SS; sy++) {
            for (int sx = 0; sx < SS; sx++) {
                double x = px + (sx + 0.5) / SS;
                double y = py + (sy + 0.5) / SS;
                for (double[] c : centres) {
                    if (roundedBox(x - c[0], y - c[1], half, half, r) <= 0) {
                        // a crate: a filled square with a lighter "lid" line cut out of it
                        boolean lid = Math.abs(y - (c[1] - half * 0.35)) < s * 0.045 && Math.abs(x - c[0]) < half - r;
                        if (!lid) {
                            inside++;
                        }
                        break;
                    }
                }
            }
        }
        return inside / (double) (SS * SS);
    }

    /** Signed distance to a rounded box with half-extents (hx, hy) and corner radius r. */
    private static double roundedBox(double x, double y, double hx, double hy, double r) {
        double qx = Math.abs(x) - hx + r;
        double qy = Math.abs(y) - hy + r;
        double outside = Math.hypot(Math.max(qx, 0), Math.max(qy, 0));
        return outside + Math.min(Math.max(qx, qy), 0) - r;
    }

    // ---- icons ---------------------------------------------------------------------------------

    /** A 32x32 exclamation icon: an amber rounded triangle with a dark exclamation mark. */
    static byte[] exclamationIcon() {
        int n = 32;
        int[] argb = render(n, (x, y) -> {
            double tri = triangle(x, y, n);
            if (tri <= 0) {
                return 0;
            }
            boolean bar = Math.abs(x - 16) <= 1.9 && y >= 11 && y <= 21.5;
            boolean dot = Math.hypot(x - 16, y - 25.2) <= 2.0;
            return bar || dot ? 0xFF000000 | INK : 0xFF000000 | AMBER;
        });
        return ico(n, argb);
    }

    /** A 32x32 information icon: a blue disc with a white "i". */
    static byte[] informationIcon() {
        int n = 32;
        int[] argb = render(n, (x, y) -> {
            double d = Math.hypot(x - 16, y - 16);
            if (d > 14.5) {
                return 0;
            }
            boolean stem = Math.abs(x - 16) <= 1.9 && y >= 13 && y <= 24;
            boolean dot = Math.hypot(x - 16, y - 9) <= 2.1;
            int disc = lerp(0x2F6FB5, TOP, y / 32.0);
            return 0xFF000000 | (stem || dot ? WHITE : disc);
        });
        return ico(n, argb);
    }

    /** A 16x16 "up one level" icon: a folder with an upward arrow. */
    static byte[] upIcon() {
        int n = 16;
        int[] argb = render(n, (x, y) -> {
            boolean shaft = Math.abs(x - 8) <= 1.0 && y >= 5 && y <= 12.5;
            boolean head = y >= 2 && y <= 6.5 && Math.abs(x - 8) <= (y - 2) * 1.0 + 0.5;
            if (shaft || head) {
                return 0xFF000000 | INK;
            }
            return folder(x, y);
        });
        return ico(n, argb);
    }

    /** A 16x16 "new folder" icon: a folder with a small star of four points. */
    static byte[] newFolderIcon() {
        int n = 16;
        int[] argb = render(n, (x, y) -> {
            double dx = Math.abs(x - 11.5);
            double dy = Math.abs(y - 4.5);
            boolean star = (dx <= 0.8 && dy <= 3.6) || (dy <= 0.8 && dx <= 3.6) || (dx + dy <= 2.2);
            if (star) {
                return 0xFF000000 | 0x2E8B57;
            }
            return folder(x, y);
        });
        return ico(n, argb);
    }

    private static int folder(double x, double y) {
        boolean tab = x >= 1 && x <= 6.5 && y >= 4 && y <= 6;
        boolean body = x >= 1 && x <= 15 && y >= 5.5 && y <= 14;
        if (!tab && !body) {
            return 0;
        }
        boolean edge = x < 1.9 || x > 14.1 || y > 13.1 || (y < 6.4 && !tab) || (tab && y < 4.9);
        return 0xFF000000 | (edge ? 0xB07A1E : AMBER);
    }

    /** Distance-ish coverage test for the rounded warning triangle of the exclamation icon (positive = inside). */
    private static double triangle(double x, double y, int n) {
        // apex (16, 2.5), base y = 29.5 from x = 2 to 30
        double ax = 16;
        double ay = 2.5;
        double by = 29.5;
        double halfBase = 14;
        if (y > by || y < ay) {
            return -1;
        }
        double halfWidth = (y - ay) / (by - ay) * halfBase;
        return halfWidth - Math.abs(x - ax) + 0.6;
    }

    /** A pixel colour function: ARGB of the point (x, y) in pixel coordinates (0 = transparent). */
    private interface Painter {
        int paint(double x, double y);
    }

    /** Renders an n x n icon, averaging SS x SS samples per pixel (premultiplied, then un-premultiplied). */
    private static int[] render(int n, Painter p) {
        int[] out = new int[n * n];
        for (int py = 0; py < n; py++) {
            for (int px = 0; px < n; px++) {
                long a = 0;
                long r = 0;
                long g = 0;
                long b = 0;
                for (int sy = 0; sy < SS; sy++) {
                    for (int sx = 0; sx < SS; sx++) {
                        int c = p.paint(px + (sx + 0.5) / SS, py + (sy + 0.5) / SS);
                        int ca = c >>> 24;
                        a += ca;
                        r += ((c >> 16) & 0xFF) * ca;
                        g += ((c >> 8) & 0xFF) * ca;
                        b += (c & 0xFF) * ca;
                    }
                }
                int samples = SS * SS;
                int alpha = (int) Math.round(a / (double) samples);
                if (a == 0) {
                    out[py * n + px] = 0;
                } else {
                    int rr = (int) Math.round(r / (double) a);
                    int gg = (int) Math.round(g / (double) a);
                    int bb = (int) Math.round(b / (double) a);
                    out[py * n + px] = (alpha << 24) | (rr << 16) | (gg << 8) | bb;
                }
            }
        }
        return out;
    }

    // ---- colour helpers ------------------------------------------------------------------------

    private static int lerp(int c0, int c1, double t) {
        return mix(c0, c1, t);
    }

    /** {@code c0} blended towards {@code c1} by {@code t} (0..1). */
    private static int mix(int c0, int c1, double t) {
        if (t <= 0) {
            return c0;
        }
        if (t >= 1) {
            return c1;
        }
        int r = (int) Math.round(((c0 >> 16) & 0xFF) * (1 - t) + ((c1 >> 16) & 0xFF) * t);
        int g = (int) Math.round(((c0 >> 8) & 0xFF) * (1 - t) + ((c1 >> 8) & 0xFF) * t);
        int b = (int) Math.round((c0 & 0xFF) * (1 - t) + (c1 & 0xFF) * t);
        return (r << 16) | (g << 8) | b;
    }

    // ---- file formats --------------------------------------------------------------------------

    /**
     * A bottom-up BMP of {@code rgb} (row-major, top row first): 8-bit with a palette when the
     * image has at most 256 colours (the generated ones do: a third of the size of 24-bit), else
     * 24-bit. Palette entries are in order of first appearance, so the bytes are deterministic.
     */
    static byte[] bmp(int w, int h, int[] rgb) {
        java.util.LinkedHashMap<Integer, Integer> palette = new java.util.LinkedHashMap<>();
        for (int c : rgb) {
            if (!palette.containsKey(c)) {
                palette.put(c, palette.size());
                if (palette.size() > 256) {
                    break;
                }
            }
        }
        boolean indexed = palette.size() <= 256;
        int bpp = indexed ? 8 : 24;
        int rowBytes = ((w * bpp / 8) + 3) & ~3;
        int imageSize = rowBytes * h;
        int paletteSize = indexed ? palette.size() * 4 : 0;
        int offset = 54 + paletteSize;
        ByteArrayOutputStream out = new ByteArrayOutputStream(offset + imageSize);
        out.write('B');
        out.write('M');
        le32(out, offset + imageSize);
        le32(out, 0);
        le32(out, offset);
        // BITMAPINFOHEADER
        le32(out, 40);
        le32(out, w);
        le32(out, h);
        le16(out, 1);
        le16(out, bpp);
        le32(out, 0); // BI_RGB
        le32(out, imageSize);
        le32(out, 3780); // 96 DPI in pixels per metre
        le32(out, 3780);
        le32(out, indexed ? palette.size() : 0);
        le32(out, 0);
        if (indexed) {
            for (int c : palette.keySet()) {
                out.write(c & 0xFF);
                out.write((c >> 8) & 0xFF);
                out.write((c >> 16) & 0xFF);
                out.write(0);
            }
        }
        byte[] row = new byte[rowBytes];
        for (int y = h - 1; y >= 0; y--) {
            for (int x = 0; x < w; x++) {
                int c = rgb[y * w + x];
                if (indexed) {
                    row[x] = (byte) (int) palette.get(c);
                } else {
                    row[x * 3] = (byte) c;
                    row[x * 3 + 1] = (byte) (c >> 8);
                    row[x * 3 + 2] = (byte) (c >> 16);
                }
            }
            out.write(row, 0, rowBytes);
        }
        return out.toByteArray();
    }

    /** A one-image 32-bit ICO of the n x n ARGB pixels, with an AND mask set where alpha is 0. */
    static byte[] ico(int n, int[] argb) {
        int xorSize = n * n * 4;
        int maskRow = ((n + 31) / 32) * 4;
        int andSize = maskRow * n;
        int dibSize = 40 + xorSize + andSize;
        ByteArrayOutputStream out = new ByteArrayOutputStream(22 + dibSize);
        // ICONDIR
        le16(out, 0);
        le16(out, 1);
        le16(out, 1);
        // ICONDIRENTRY
        out.write(n == 256 ? 0 : n);
        out.write(n == 256 ? 0 : n);
        out.write(0); // colour count
        out.write(0); // reserved
        le16(out, 1); // planes
        le16(out, 32); // bit count
        le32(out, dibSize);
        le32(out, 22);
        // BITMAPINFOHEADER (height counts the XOR and AND bitmaps)
        le32(out, 40);
        le32(out, n);
        le32(out, n * 2);
        le16(out, 1);
        le16(out, 32);
        le32(out, 0);
        le32(out, xorSize + andSize);
        le32(out, 0);
        le32(out, 0);
        le32(out, 0);
        le32(out, 0);
        for (int y = n - 1; y >= 0; y--) {
            for (int x = 0; x < n; x++) {
                int c = argb[y * n + x];
                out.write(c & 0xFF);
                out.write((c >> 8) & 0xFF);
                out.write((c >> 16) & 0xFF);
                out.write(c >>> 24);
            }
        }
        for (int y = n - 1; y >= 0; y--) {
            byte[] row = new byte[maskRow];
            for (int x = 0; x < n; x++) {
                if ((argb[y * n + x] >>> 24) == 0) {
                    row[x / 8] |= (byte) (0x80 >> (x % 8));
                }
            }
            out.write(row, 0, maskRow);
        }
        return out.toByteArray();
    }

    private static void le16(ByteArrayOutputStream out, int v) {
        out.write(v & 0xFF);
        out.write((v >> 8) & 0xFF);
    }

    private static void le32(ByteArrayOutputStream out, int v) {
        out.write(v & 0xFF);
        out.write((v >> 8) & 0xFF);
        out.write((v >> 16) & 0xFF);
        out.write((v >>> 24) & 0xFF);
    }
}

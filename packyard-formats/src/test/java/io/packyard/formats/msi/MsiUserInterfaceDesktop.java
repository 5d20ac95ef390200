package io.packyard.formats.msi;

import java.awt.image.BufferedImage;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;

/**
 * A virtual X display for driving installer dialogs in tests: Xvfb (Debian: xvfb) picks a free
 * display number itself ({@code -displayfd}), xdotool (Debian: xdotool) finds windows and
 * clicks and types into them, xwd (Debian: x11-apps) captures a window, converted here to PNG.
 *
 * <p>Windows are found by title; the wizard's current page is the newest window with the title
 * (Wine makes a new X window for each dialog). Clicks go to coordinates in dialog units,
 * multiplied by the window's actual scale (its width in pixels over the dialog's width in units),
 * so they hit a control wherever the Control table puts it.
 */
final class MsiUserInterfaceDesktop implements AutoCloseable {

    private final Process xvfb;
    private final String display;

    private MsiUserInterfaceDesktop(Process xvfb, String display) {
        this.xvfb = xvfb;
        this.display = display;
    }

    /** Starts Xvfb on a free display (1024x768, 24-bit) and waits until it accepts clients. */
    static MsiUserInterfaceDesktop start() throws IOException {
        ProcessBuilder pb = new ProcessBuilder("Xvfb", "-displayfd", "1", "-screen", "0", "1024x768x24", "-nolisten", "tcp")
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Process p = pb.start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.US_ASCII));
        String line = out.readLine();
        if (line == null || !line.trim().matches("\\d+")) {
            p.destroyForcibly();
            throw new IllegalStateException("Xvfb did not report a display number (got " + line + ")");
        }
        return new MsiUserInterfaceDesktop(p, ":" + line.trim());
    }

    /** The DISPLAY value, e.g. {@code :3}. */
    String display() {
        return display;
    }

    /** A POSIX extended regular expression (what xdotool takes) matching exactly {@code text}. */
    static String literal(String text) {
        StringBuilder sb = new StringBuilder("^");
        for (char c : text.toCharArray()) {
            if (".[]{}()\\*+?^$|".indexOf(c) >= 0) {
                sb.append('\\');
            }
            sb.append(c);
        }
        return sb.append('$').toString();
    }

    /** The ids of the visible windows whose title matches the (POSIX) regular expression, oldest first. */
    List<Long> windows(String titleRegex) throws IOException {
        return windows(titleRegex, true);
    }

    /**
     * The ids of the windows whose title matches the (POSIX) regular expression, oldest first:
     * only the mapped ones, or also those created but not (or no longer) shown.
     */
    List<Long> windows(String titleRegex, boolean onlyVisible) throws IOException {
        Result r = onlyVisible ? x("xdotool", "search", "--onlyvisible", "--name", titleRegex)
                : x("xdotool", "search", "--name", titleRegex);
        List<Long> ids = new ArrayList<>();
        for (String l : r.out.split("\n")) {
            if (l.trim().matches("\\d+")) {
                ids.add(Long.parseLong(l.trim()));
            }
        }
        ids.sort(null);
        return ids;
    }

    /** The newest window with the title, or -1. */
    long top(String titleRegex) throws IOException {
        List<Long> ids = windows(titleRegex);
        return ids.isEmpty() ? -1 : ids.get(ids.size() - 1);
    }

    /** The window's width and height in pixels. */
    int[] size(long window) throws IOException {
        Result r = x("xdotool", "getwindowgeometry", "--shell", Long.toString(window));
        int w = -1;
        int h = -1;
        for (String l : r.out.split("\n")) {
            if (l.startsWith("WIDTH=")) {
                w = Integer.parseInt(l.substring(6).trim());
            } else if (l.startsWith("HEIGHT=")) {
                h = Integer.parseInt(l.substring(7).trim());
            }
        }
        if (w <= 0 || h <= 0) {
            throw new AssertionError("no geometry for window " + window + ": " + r.out);
        }
        return new int[] {w, h};
    }

    /**
     * Clicks the centre of a control given in dialog units ({@code x, y, width, height} of the
     * Control table) of a dialog {@code dialogWidth} units wide, shown in {@code window}.
     */
    void click(long window, int dialogWidth, int x, int y, int width, int height) throws IOException {
        double scale = size(window)[0] / (double) dialogWidth;
        long px = Math.round((x + width / 2.0) * scale);
        long py = Math.round((y + height / 2.0) * scale);
        x("xdotool", "mousemove", "--window", Long.toString(window), Long.toString(px), Long.toString(py)).ok();
        sleep(100);
        x("xdotool", "click", "1").ok();
    }

    /** Types text with the keyboard (into the focused control). */
    void type(String text) throws IOException {
        x("xdotool", "type", "--delay", "15", text).ok();
    }

    /** Presses keys, e.g. {@code ctrl+a}, {@code BackSpace}. */
    void key(String... keys) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("xdotool", "key"));
        cmd.addAll(List.of(keys));
        x(cmd.toArray(String[]::new)).ok();
    }

    /** Captures a window (its own contents, whatever covers it) into a PNG; returns the image. */
    BufferedImage screenshot(long window, Path png) throws IOException {
        BufferedImage image = capture(window);
        Files.createDirectories(png.toAbsolutePath().getParent());
        ImageIO.write(image, "png", png.toFile());
        return image;
    }

    /** Captures a window's contents; null if the window went away meanwhile. */
    BufferedImage capture(long window) throws IOException {
        Path xwd = Files.createTempFile("window", ".xwd");
        try {
            Result r = x("xwd", "-id", Long.toString(window), "-silent", "-out", xwd.toString());
            if (r.exit != 0 || Files.size(xwd) == 0) {
                return null;
            }
            return readXwd(Files.readAllBytes(xwd));
        } finally {
            Files.deleteIfExists(xwd);
        }
    }

    /**
     * Whether a push button drawn at the given rectangle (dialog units, dialog {@code dialogWidth}
     * units wide) shows its label in enabled text: dark pixels inside the button, away from its
     * frame. Windows (and Wine) draw a disabled label in grey with a white relief, so a page
     * still drawing, or another page whose button there is disabled, does not pass.
     */
    static boolean buttonEnabled(BufferedImage image, int dialogWidth, int x, int y, int width, int height) {
        double scale = image.getWidth() / (double) dialogWidth;
        int x0 = (int) Math.ceil(x * scale) + 4;
        int y0 = (int) Math.ceil(y * scale) + 4;
        int x1 = (int) Math.floor((x + width) * scale) - 4;
        int y1 = (int) Math.floor((y + height) * scale) - 4;
        int dark = 0;
        for (int py = Math.max(0, y0); py < Math.min(image.getHeight(), y1); py++) {
            for (int px = Math.max(0, x0); px < Math.min(image.getWidth(), x1); px++) {
                int c = image.getRGB(px, py);
                int max = Math.max((c >> 16) & 0xFF, Math.max((c >> 8) & 0xFF, c & 0xFF));
                if (max < 0x40) {
                    dark++;
                }
            }
        }
        return dark >= 6;
    }

    /** Decodes an XWD dump in ZPixmap format with 24/32 bits per pixel (what xwd writes for a TrueColor window). */
    static BufferedImage readXwd(byte[] data) {
        ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.BIG_ENDIAN);
        int headerSize = b.getInt(0);
        int format = b.getInt(8);
        int width = b.getInt(16);
        int height = b.getInt(20);
        int byteOrder = b.getInt(28);
        int bitsPerPixel = b.getInt(44);
        int bytesPerLine = b.getInt(48);
        int redMask = b.getInt(56);
        int greenMask = b.getInt(60);
        int blueMask = b.getInt(64);
        int colors = b.getInt(76);
        if (format != 2 || (bitsPerPixel != 32 && bitsPerPixel != 24)) {
            throw new IllegalArgumentException("unsupported XWD: format " + format + ", " + bitsPerPixel + " bits per pixel");
        }
        int offset = headerSize + colors * 12;
        ByteBuffer pixels = ByteBuffer.wrap(data).order(byteOrder == 0 ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN);
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        int bytes = bitsPerPixel / 8;
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int at = offset + y * bytesPerLine + x * bytes;
                int v;
                if (bytes == 4) {
                    v = pixels.getInt(at);
                } else if (byteOrder == 0) {
                    v = (data[at] & 0xFF) | (data[at + 1] & 0xFF) << 8 | (data[at + 2] & 0xFF) << 16;
                } else {
                    v = (data[at] & 0xFF) << 16 | (data[at + 1] & 0xFF) << 8 | (data[at + 2] & 0xFF);
                }
                image.setRGB(x, y, channel(v, redMask) << 16 | channel(v, greenMask) << 8 | channel(v, blueMask));
            }
        }
        return image;
    }

    private static int channel(int v, int mask) {
        int shift = Integer.numberOfTrailingZeros(mask);
        int bits = Integer.bitCount(mask);
        int c = (v & mask) >>> shift;
        return bits >= 8 ? c >>> (bits - 8) : c << (8 - bits);
    }

    @Override
    public void close() {
        xvfb.destroy();
        try {
            if (!xvfb.waitFor(10, TimeUnit.SECONDS)) {
                xvfb.destroyForcibly();
            }
        } catch (InterruptedException e) {
            xvfb.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private record Result(List<String> command, int exit, String out, String err) {
        Result ok() {
            if (exit != 0) {
                throw new AssertionError(command + " exited with " + exit + ": " + out + err);
            }
            return this;
        }
    }

    /** Runs an X client on this display. */
    private Result x(String... command) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().put("DISPLAY", display);
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.redirectErrorStream(true);
        Process p = pb.start();
        try {
            byte[] out = p.getInputStream().readAllBytes();
            byte[] err = new byte[0];
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError(List.of(command) + " timed out");
            }
            return new Result(List.of(command), p.exitValue(), new String(out, StandardCharsets.UTF_8),
                    new String(err, StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted: " + List.of(command), e);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}

package io.packyard.server.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class MultipartReaderTest {

    private static final String BOUNDARY = "----b0undary";

    /** Delivers the body in random small pieces, as a network would. */
    private static InputStream trickle(byte[] body, long seed) {
        Random rnd = new Random(seed);
        return new FilterInputStream(new java.io.ByteArrayInputStream(body)) {
            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                return super.read(b, off, Math.max(1, Math.min(len, rnd.nextInt(7) + 1)));
            }
        };
    }

    private static byte[] body(byte[] file) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(("preamble to ignore\r\n--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\":action\"\r\n\r\n"
                + "file_upload\r\n--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"summary\"\r\n\r\n"
                + "line one\r\nline two\r\n--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"content\";"
                + " filename=\"C:\\\\x\\\\demo-1.0.tar.gz\"\r\nContent-Type: application/octet-stream\r\n\r\n")
                .getBytes(StandardCharsets.UTF_8));
        b.write(file);
        b.write(("\r\n--" + BOUNDARY + "--\r\nepilogue").getBytes(StandardCharsets.UTF_8));
        return b.toByteArray();
    }

    @Test
    void readsFieldsAndFilesWhateverTheChunking() throws Exception {
        // content that contains near-boundaries and CRLFs
        byte[] file = ("\r\n--" + BOUNDARY.substring(0, 8) + "\r\n\r\n--" + "x".repeat(70000) + "\r\n-")
                .getBytes(StandardCharsets.UTF_8);
        for (long seed = 0; seed < 20; seed++) {
            MultipartReader r = MultipartReader.open(trickle(body(file), seed),
                    "multipart/form-data; boundary=\"" + BOUNDARY + "\"");
            List<String> names = new ArrayList<>();
            byte[] got = null;
            String summary = null;
            MultipartReader.Part p;
            while ((p = r.next().orElse(null)) != null) {
                names.add(p.name());
                if (p.name().equals("content")) {
                    assertThat(p.filename()).contains("C:\\x\\demo-1.0.tar.gz");
                    got = p.body().readAllBytes();
                } else if (p.name().equals("summary")) {
                    summary = p.text(1000);
                }
            }
            assertThat(names).containsExactly(":action", "summary", "content");
            assertThat(summary).isEqualTo("line one\r\nline two");
            assertThat(got).isEqualTo(file);
        }
    }

    @Test
    void truncatedBodyIsAnError() throws Exception {
        byte[] full = body("abc".getBytes(StandardCharsets.UTF_8));
        byte[] cut = java.util.Arrays.copyOf(full, full.length - 30);
        MultipartReader r = MultipartReader.open(new java.io.ByteArrayInputStream(cut), "multipart/form-data; boundary=" + BOUNDARY);
        assertThatThrownBy(() -> {
            MultipartReader.Part p;
            while ((p = r.next().orElse(null)) != null) {
                p.body().readAllBytes();
            }
        }).isInstanceOf(EOFException.class);
    }

    @Test
    void refusesOtherContentTypes() {
        assertThatThrownBy(() -> MultipartReader.open(InputStream.nullInputStream(), "application/json"))
                .isInstanceOf(HttpError.class).hasMessageContaining("multipart/form-data");
        assertThatThrownBy(() -> MultipartReader.open(InputStream.nullInputStream(), "multipart/form-data"))
                .isInstanceOf(HttpError.class).hasMessageContaining("boundary");
    }
}

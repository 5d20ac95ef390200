package io.packyard.server.routes;

import io.packyard.python.json.Json;
import io.packyard.repository.index.Catalog;
import io.packyard.repository.index.PageFile;
import io.packyard.repository.index.ProjectPage;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Renders simple API pages: PEP 503 HTML and PEP 691 JSON, with PEP 592 yanking, PEP 658/714
 * metadata, PEP 700 fields (versions, size, upload-time) and the PEP 629 API version. File URLs are
 * relative to the page ({@code ../../files/<sha256>/<filename>}), so the server works behind any
 * proxy path; every link carries its sha256.
 */
public final class SimpleRenderer {

    /** The API version of pages whose files all have a size (PEP 700 makes size mandatory in 1.1). */
    public static final String API_VERSION = "1.1";
    private static final DateTimeFormatter UPLOAD_TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(ZoneOffset.UTC);

    private SimpleRenderer() {}

    /** Pages listing files without a known size (a mirror's not yet downloaded files) say 1.0. */
    static String apiVersion(ProjectPage page) {
        return page.files().stream().allMatch(f -> f.size().isPresent()) ? API_VERSION : "1.0";
    }

    public static String projectHtml(ProjectPage page) {
        StringBuilder b = new StringBuilder(256 + page.files().size() * 300);
        b.append("<!DOCTYPE html>\n<html>\n  <head>\n    <meta name=\"pypi:repository-version\" content=\"")
                .append(apiVersion(page)).append("\">\n    <title>Links for ").append(html(page.name()))
                .append("</title>\n  </head>\n  <body>\n    <h1>Links for ").append(html(page.name())).append("</h1>\n");
        for (PageFile f : page.files()) {
            b.append("    <a href=\"").append(html(fileHref(f))).append("#sha256=").append(f.sha256()).append('"');
            f.requiresPython().ifPresent(rp -> b.append(" data-requires-python=\"").append(html(rp)).append('"'));
            f.yanked().ifPresent(y -> b.append(" data-yanked=\"").append(html(y)).append('"'));
            f.metadataSha256().ifPresent(m -> b.append(" data-dist-info-metadata=\"sha256=").append(m)
                    .append("\" data-core-metadata=\"sha256=").append(m).append('"'));
            b.append('>').append(html(f.filename())).append("</a><br>\n");
        }
        b.append("  </body>\n</html>\n");
        return b.toString();
    }

    public static String projectJson(ProjectPage page) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("meta", Map.of("api-version", apiVersion(page)));
        root.put("name", page.name());
        root.put("versions", page.versions());
        List<Map<String, Object>> files = page.files().stream().map(f -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("filename", f.filename());
            m.put("url", fileHref(f));
            m.put("hashes", Map.of("sha256", f.sha256()));
            f.requiresPython().ifPresent(rp -> m.put("requires-python", rp));
            m.put("yanked", f.yanked().<Object>map(y -> y.isEmpty() ? Boolean.TRUE : y).orElse(Boolean.FALSE));
            Object meta = f.metadataSha256().<Object>map(s -> Map.of("sha256", s)).orElse(Boolean.FALSE);
            m.put("core-metadata", meta);
            m.put("dist-info-metadata", meta);
            f.size().ifPresent(s -> m.put("size", s));
            f.uploadTime().ifPresent(t -> m.put("upload-time", UPLOAD_TIME.format(t)));
            return m;
        }).toList();
        root.put("files", files);
        return Json.write(root);
    }

    public static String listHtml(List<Catalog.ProjectEntry> projects) {
        StringBuilder b = new StringBuilder(256 + projects.size() * 60);
        b.append("<!DOCTYPE html>\n<html>\n  <head>\n    <meta name=\"pypi:repository-version\" content=\"")
                .append(API_VERSION).append("\">\n    <title>Simple index</title>\n  </head>\n  <body>\n");
        for (Catalog.ProjectEntry p : projects) {
            b.append("    <a href=\"").append(html(encodeSegment(p.normalized()))).append("/\">")
                    .append(html(p.name())).append("</a><br>\n");
        }
        b.append("  </body>\n</html>\n");
        return b.toString();
    }

    public static String listJson(List<Catalog.ProjectEntry> projects) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("meta", Map.of("api-version", API_VERSION));
        root.put("projects", projects.stream().map(p -> Map.of("name", p.name())).toList());
        return Json.write(root);
    }

    /** The file's URL relative to its project page. */
    static String fileHref(PageFile f) {
        return "../../files/" + f.sha256() + "/" + encodeSegment(f.filename());
    }

    /** Percent-encodes a URL path segment (RFC 3986 pchar, less the sub-delims that confuse tools). */
    public static String encodeSegment(String s) {
        StringBuilder b = new StringBuilder(s.length() + 8);
        for (byte by : s.getBytes(StandardCharsets.UTF_8)) {
            int c = by & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '!' || c == '@') {
                b.append((char) c);
            } else {
                b.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
            }
        }
        return b.toString();
    }

    static String html(String s) {
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }
}

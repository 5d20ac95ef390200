package io.packyard.python.index;

import io.packyard.python.PackyardException;
import io.packyard.python.json.Json;
import io.packyard.python.util.Progress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** Parses PEP 691 JSON and PEP 503 HTML project pages into {@link DistributionFile}s. */
final class SimplePages {

    static final String JSON_TYPE = "application/vnd.pypi.simple.v1+json";
    static final String HTML_TYPE = "application/vnd.pypi.simple.v1+html";
    static final String ACCEPT = JSON_TYPE + ", " + HTML_TYPE + ";q=0.2, text/html;q=0.01";

    /** The highest minor version of API 1.x whose additions are understood (PEP 629). */
    static final int KNOWN_MINOR = 4;

    private SimplePages() {}

    /**
     * Parses a page by its content type (sniffing the body when the type is neither JSON nor HTML).
     *
     * @param where describes the page in messages, e.g. {@code index https://host/simple/foo/}
     */
    static List<DistributionFile> parse(String body, String contentType, URI pageUrl, String where, Progress progress) {
        String type = contentType == null ? "" : contentType.toLowerCase(Locale.ROOT);
        int semi = type.indexOf(';');
        if (semi >= 0) {
            type = type.substring(0, semi);
        }
        type = type.strip();
        boolean json = type.equals(JSON_TYPE) || type.endsWith("+json") || type.equals("application/json")
                || (!type.contains("html") && body.stripLeading().startsWith("{"));
        return json ? fromJson(body, pageUrl, where, progress) : fromHtml(body, pageUrl, where, progress);
    }

    static List<DistributionFile> fromJson(String body, URI pageUrl, String where, Progress progress) {
        Object root;
        try {
            root = Json.parse(body);
        } catch (Json.JsonException e) {
            throw PackyardException.build(where + ": " + e.getMessage());
        }
        if (!(root instanceof Map<?, ?> page)) {
            throw PackyardException.build(where + ": expected a JSON object");
        }
        if (page.get("meta") instanceof Map<?, ?> meta && meta.get("api-version") instanceof String apiVersion) {
            checkApiVersion(apiVersion, where, progress);
        } else {
            throw PackyardException.build(where + ": meta.api-version is missing");
        }
        if (!(page.get("files") instanceof List<?> files)) {
            throw PackyardException.build(where + ": files: expected an array");
        }
        List<DistributionFile> out = new ArrayList<>();
        int index = 0;
        for (Object o : files) {
            String at = where + ": files[" + index++ + "]";
            if (!(o instanceof Map<?, ?> f)) {
                throw PackyardException.build(at + ": expected an object");
            }
            if (!(f.get("filename") instanceof String filename) || filename.isBlank()) {
                throw PackyardException.build(at + ".filename: expected a string");
            }
            if (!(f.get("url") instanceof String href)) {
                throw PackyardException.build(at + ".url: expected a string");
            }
            Urls.Link link;
            try {
                link = Urls.resolve(pageUrl, href);
            } catch (IllegalArgumentException e) {
                throw PackyardException.build(at + ".url: " + e.getMessage());
            }
            Map<String, String> hashes = new TreeMap<>();
            if (f.get("hashes") instanceof Map<?, ?> h) {
                h.forEach((k, v) -> {
                    if (k instanceof String alg && v instanceof String hex) {
                        hashes.put(alg.toLowerCase(Locale.ROOT), hex.toLowerCase(Locale.ROOT));
                    }
                });
            } else if (f.containsKey("hashes")) {
                throw PackyardException.build(at + ".hashes: expected an object");
            }
            if (hashes.isEmpty()) {
                hashes.putAll(Urls.fragmentHashes(link.fragment()));
            }
            Optional<String> requiresPython = f.get("requires-python") instanceof String rp
                    ? Optional.of(rp) : Optional.empty();
            Optional<String> yanked = Optional.empty();
            Object y = f.get("yanked");
            if (y instanceof String reason) {
                yanked = Optional.of(reason);
            } else if (Boolean.TRUE.equals(y)) {
                yanked = Optional.of("");
            }
            Object cm = f.containsKey("core-metadata") ? f.get("core-metadata")
                    : f.containsKey("dist-info-metadata") ? f.get("dist-info-metadata")
                    : f.get("data-dist-info-metadata");
            Optional<Map<String, String>> coreMetadata = Optional.empty();
            if (cm instanceof Map<?, ?> cmh) {
                Map<String, String> m = new TreeMap<>();
                cmh.forEach((k, v) -> {
                    if (k instanceof String alg && v instanceof String hex) {
                        m.put(alg.toLowerCase(Locale.ROOT), hex.toLowerCase(Locale.ROOT));
                    }
                });
                coreMetadata = Optional.of(m);
            } else if (Boolean.TRUE.equals(cm)) {
                coreMetadata = Optional.of(Map.of());
            }
            out.add(new DistributionFile(filename.strip(), link.url(), hashes, requiresPython, yanked, coreMetadata));
        }
        return out;
    }

    static List<DistributionFile> fromHtml(String body, URI pageUrl, String where, Progress progress) {
        HtmlLinks.Page page = HtmlLinks.parse(body);
        page.repositoryVersion().ifPresent(v -> checkApiVersion(v, where, progress));
        URI base = pageUrl;
        if (page.baseHref().isPresent()) {
            try {
                base = Urls.resolve(pageUrl, page.baseHref().get()).url();
            } catch (IllegalArgumentException e) {
                progress.warn(where + ": ignoring <base href=\"" + page.baseHref().get() + "\">: " + e.getMessage());
            }
        }
        List<DistributionFile> out = new ArrayList<>();
        for (HtmlLinks.Anchor a : page.anchors()) {
            Optional<String> href = a.attribute("href");
            if (href.isEmpty() || href.get().isBlank()) {
                continue;
            }
            Urls.Link link;
            try {
                link = Urls.resolve(base, href.get());
            } catch (IllegalArgumentException e) {
                progress.warn(where + ": skipping link " + href.get() + ": " + e.getMessage());
                continue;
            }
            String filename = URLDecoder.decode(Urls.lastSegment(link.url()).replace("+", "%2B"), StandardCharsets.UTF_8);
            if (filename.isEmpty()) {
                filename = a.text();
            }
            if (filename.isEmpty()) {
                continue;
            }
            Optional<String> yanked = a.attribute("data-yanked");
            Optional<String> requiresPython = a.attribute("data-requires-python");
            Optional<String> cmAttr = a.attribute("data-core-metadata");
            if (cmAttr.isEmpty()) {
                cmAttr = a.attribute("data-dist-info-metadata");
            }
            Optional<Map<String, String>> coreMetadata = Optional.empty();
            if (cmAttr.isPresent()) {
                String v = cmAttr.get().strip();
                if (v.equalsIgnoreCase("true") || v.isEmpty()) {
                    coreMetadata = Optional.of(Map.of());
                } else if (!v.equalsIgnoreCase("false")) {
                    Map<String, String> hm = Urls.fragmentHashes(v);
                    coreMetadata = Optional.of(hm);
                }
            }
            out.add(new DistributionFile(filename, link.url(), Urls.fragmentHashes(link.fragment()),
                    requiresPython, yanked, coreMetadata));
        }
        return out;
    }

    private static void checkApiVersion(String version, String where, Progress progress) {
        String[] parts = version.strip().split("\\.");
        int major;
        int minor = 0;
        try {
            major = Integer.parseInt(parts[0]);
            if (parts.length > 1) {
                minor = Integer.parseInt(parts[1]);
            }
        } catch (NumberFormatException e) {
            throw PackyardException.build(where + ": unrecognised repository API version '" + version + "'");
        }
        if (major != 1) {
            throw PackyardException.build(where + ": repository API version " + version
                    + " is not supported (Packyard reads version 1.x)");
        }
        if (minor > KNOWN_MINOR) {
            progress.warn(where + ": repository API version " + version
                    + " is newer than Packyard knows (1." + KNOWN_MINOR + "); reading it as 1." + KNOWN_MINOR);
        }
    }
}

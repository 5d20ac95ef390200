package io.packyard.python.upload;

import io.packyard.python.metadata.CoreMetadata;
import io.packyard.python.metadata.InvalidMetadataException;
import io.packyard.python.names.ProjectName;
import io.packyard.python.requirements.Requirement;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The core metadata rules PyPI applies to an upload (packaging's {@code Metadata} validation plus
 * Warehouse's {@code forklift/metadata.py} additions), applied to the metadata file inside the
 * distribution. Not applied: trove classifier membership and deliverable e-mail addresses (they
 * need PyPI's own lists and services), and description rendering.
 */
final class MetadataRules {

    /** Metadata-Version values accepted (as Warehouse: 2.0 was never a real version and is refused). */
    static final List<String> SUPPORTED_METADATA_VERSIONS =
            List.of("1.0", "1.1", "1.2", "2.1", "2.2", "2.3", "2.4", "2.5");

    static final String SEE = "See https://packaging.python.org/specifications/core-metadata for more information.";

    /** Fields that may appear at most once. */
    private static final List<String> SINGLE_USE = List.of(
            "Metadata-Version", "Name", "Version", "Summary", "Description", "Description-Content-Type",
            "Keywords", "Home-page", "Download-URL", "Author", "Author-email", "Maintainer",
            "Maintainer-email", "License", "License-Expression", "Requires-Python");

    /** Field names that may be listed in Dynamic (lower case). */
    private static final Set<String> DYNAMIC_FIELDS = Set.of(
            "platform", "supported-platform", "summary", "description", "description-content-type", "keywords",
            "home-page", "download-url", "author", "author-email", "maintainer", "maintainer-email", "license",
            "license-expression", "license-file", "classifier", "requires-dist", "requires-python",
            "requires-external", "project-url", "provides-extra", "provides-dist", "obsoletes-dist", "requires",
            "provides", "obsoletes", "import-name", "import-namespace");

    private static final Set<String> CONTENT_TYPES = Set.of("text/plain", "text/x-rst", "text/markdown");
    private static final Set<String> MARKDOWN_VARIANTS = Set.of("GFM", "CommonMark");
    private static final Pattern URL = Pattern.compile("^[A-Za-z][A-Za-z0-9+.-]*:\\S+$");

    private MetadataRules() {}

    interface Reject {
        UploadRejectedException reject(String message);
    }

    /**
     * Parses and checks metadata bytes.
     *
     * @param source how messages name the file, e.g. {@code foo-1.0.dist-info/METADATA}
     */
    static CoreMetadata parse(byte[] bytes, String source, boolean allowLocalVersions, Reject r) {
        CoreMetadata md;
        try {
            md = CoreMetadata.parse(bytes, source);
        } catch (InvalidMetadataException e) {
            throw r.reject(e.getMessage() + ". " + SEE);
        }
        check(md, source, allowLocalVersions, r);
        return md;
    }

    static void check(CoreMetadata md, String source, boolean allowLocalVersions, Reject r) {
        // Duplicated single-use fields: readers disagree on which one wins.
        Map<String, Integer> counts = new HashMap<>();
        for (Map.Entry<String, String> h : md.headers()) {
            counts.merge(h.getKey().toLowerCase(Locale.ROOT), 1, Integer::sum);
        }
        for (String f : SINGLE_USE) {
            if (counts.getOrDefault(f.toLowerCase(Locale.ROOT), 0) > 1) {
                throw r.reject(source + ": " + f + " appears more than once. " + SEE);
            }
        }
        String mv = md.metadataVersion().strip();
        if (!SUPPORTED_METADATA_VERSIONS.contains(mv)) {
            throw r.reject(source + ": '" + mv + "' is not a valid metadata version (supported: "
                    + String.join(", ", SUPPORTED_METADATA_VERSIONS) + "). " + SEE);
        }
        if (!ProjectName.isValid(md.name())) {
            throw r.reject(source + ": '" + md.name() + "' is invalid for 'name'. " + SEE);
        }
        if (!allowLocalVersions && md.version().hasLocal()) {
            throw r.reject(source + ": The use of local versions in '" + md.version() + "' is not allowed. "
                    + "See https://packaging.python.org/en/latest/specifications/version-specifiers/"
                    + "#local-version-identifiers for more information.");
        }
        Optional<String> summary = raw(md, "Summary");
        if (summary.isPresent()) {
            if (summary.get().indexOf('\n') >= 0) {
                throw r.reject(source + ": 'summary' is a single line field. " + SEE);
            }
            if (summary.get().strip().length() > 512) {
                throw r.reject(source + ": 'summary' field must be 512 characters or less. " + SEE);
            }
        }
        try {
            for (Requirement req : md.requiresDist()) {
                if (req.url().isPresent()) {
                    throw r.reject(source + ": Can't have direct dependency: " + req + ". " + SEE);
                }
            }
            md.requiresPython();
        } catch (InvalidMetadataException e) {
            throw r.reject(e.getMessage() + ". " + SEE);
        }
        for (String f : List.of("Provides-Dist", "Obsoletes-Dist")) {
            for (String v : md.getAll(f)) {
                String one = v.replaceAll("\\s*\\n\\s*", " ").strip();
                try {
                    Requirement req = Requirement.parse(one);
                    if (req.url().isPresent()) {
                        throw r.reject(source + ": " + f + ": Can't have direct dependency: " + one + ". " + SEE);
                    }
                } catch (IllegalArgumentException e) {
                    throw r.reject(source + ": " + f + ": '" + one + "' is invalid. " + SEE);
                }
            }
        }
        for (String extra : md.providesExtra()) {
            if (!ProjectName.isValid(extra)) {
                throw r.reject(source + ": '" + extra + "' is invalid for 'provides-extra'. " + SEE);
            }
        }
        raw(md, "Description-Content-Type").ifPresent(v -> checkContentType(v, source, r));
        for (String d : md.getAll("Dynamic")) {
            String key = d.strip().toLowerCase(Locale.ROOT);
            if (key.equals("name") || key.equals("version") || key.equals("metadata-version")) {
                throw r.reject(source + ": '" + d.strip() + "' is not allowed as a dynamic field. " + SEE);
            }
            if (!DYNAMIC_FIELDS.contains(key)) {
                throw r.reject(source + ": Dynamic field '" + d.strip() + "' is not a valid dynamic field. " + SEE);
            }
        }
        if (raw(md, "License").isPresent() && raw(md, "License-Expression").isPresent()) {
            throw r.reject(source + ": License is deprecated when License-Expression is present. "
                    + "Only License-Expression should be present. " + SEE);
        }
        for (String f : List.of("Home-page", "Download-URL")) {
            Optional<String> u = raw(md, f);
            if (u.isPresent() && !u.get().strip().isEmpty() && !u.get().strip().equalsIgnoreCase("UNKNOWN")
                    && !URL.matcher(u.get().strip()).matches()) {
                throw r.reject(source + ": '" + u.get().strip() + "' is not a valid url for " + f + ". " + SEE);
            }
        }
        for (String pu : md.getAll("Project-URL")) {
            int comma = pu.indexOf(',');
            String label = comma < 0 ? "" : pu.substring(0, comma).strip();
            String url = comma < 0 ? pu.strip() : pu.substring(comma + 1).strip();
            if (label.isEmpty()) {
                throw r.reject(source + ": Project-URL '" + pu.strip() + "' must have a label. " + SEE);
            }
            if (label.length() > 32) {
                throw r.reject(source + ": Project-URL label '" + label + "' must be 32 characters or less. " + SEE);
            }
            if (url.isEmpty() || !URL.matcher(url).matches()) {
                throw r.reject(source + ": Project-URL '" + url + "' is not a valid url. " + SEE);
            }
        }
        for (String lf : licenseFiles(md)) {
            var problem = ArchivePaths.problem(lf);
            if (problem.isPresent() || lf.endsWith("/")) {
                throw r.reject(source + ": License-File '" + lf + "' is not a valid relative path. " + SEE);
            }
        }
    }

    /** License-File entries that must exist in the archive (Metadata-Version 2.4 and later). */
    static List<String> licenseFiles(CoreMetadata md) {
        String mv = md.metadataVersion().strip();
        if (mv.compareTo("2.4") < 0) {
            return List.of(); // before PEP 639 the field was informational (setuptools wrote it with 2.1)
        }
        return md.getAll("License-File").stream().map(String::strip).filter(s -> !s.isEmpty()).toList();
    }

    private static void checkContentType(String value, String source, Reject r) {
        String[] parts = value.strip().split(";");
        String type = parts[0].strip().toLowerCase(Locale.ROOT);
        if (!CONTENT_TYPES.contains(type)) {
            throw r.reject(source + ": Description-Content-Type '" + value.strip() + "': content type must be one of "
                    + "text/plain, text/x-rst, text/markdown. " + SEE);
        }
        for (int i = 1; i < parts.length; i++) {
            String p = parts[i].strip();
            if (p.isEmpty()) {
                continue;
            }
            int eq = p.indexOf('=');
            String k = eq < 0 ? p : p.substring(0, eq).strip().toLowerCase(Locale.ROOT);
            String v = eq < 0 ? "" : p.substring(eq + 1).strip();
            if (v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"")) {
                v = v.substring(1, v.length() - 1);
            }
            if (k.equals("charset") && !v.equalsIgnoreCase("UTF-8")) {
                throw r.reject(source + ": Description-Content-Type '" + value.strip()
                        + "': only the UTF-8 charset is allowed. " + SEE);
            }
            if (k.equals("variant") && type.equals("text/markdown") && !MARKDOWN_VARIANTS.contains(v)) {
                throw r.reject(source + ": Description-Content-Type '" + value.strip()
                        + "': the markdown variant must be GFM or CommonMark. " + SEE);
            }
        }
    }

    /** The raw (undecoded) first value of a field. */
    private static Optional<String> raw(CoreMetadata md, String field) {
        for (Map.Entry<String, String> h : md.headers()) {
            if (h.getKey().equalsIgnoreCase(field)) {
                return Optional.of(h.getValue());
            }
        }
        return Optional.empty();
    }
}

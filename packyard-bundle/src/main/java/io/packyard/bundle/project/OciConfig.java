package io.packyard.bundle.project;

import io.packyard.bundle.OciOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads {@code [tool.packyard.oci]}: the base image (a registry reference or {@code archive:PATH}),
 * the non-root account, exposed ports, extra labels and environment. A bad value fails here with
 * the key and line, not halfway through building an image.
 *
 * <pre>
 * [tool.packyard.oci]
 * base = "debian:12-slim"            # or "archive:images/base.tar" (OCI layout or docker save)
 * user = "app:10001"                 # name[:uid]; the group gets the same id
 * ports = ["8000", "9000/udp"]
 * labels = { "org.opencontainers.image.source" = "https://example.org/notes.git" }
 * env = { NOTES_MODE = "production" }
 * </pre>
 */
final class OciConfig {
    private static final Set<String> KEYS = Set.of("base", "user", "ports", "labels", "env");

    private static final String DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
    private static final String DOMAIN = DOMAIN_COMPONENT + "(?:\\." + DOMAIN_COMPONENT + ")*(?::[0-9]+)?";
    private static final String PATH_COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
    private static final String TAG = "[\\w][\\w.-]{0,127}";
    private static final String DIGEST = "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}";
    /** The distribution reference grammar: [domain/]path[/path...][:tag][@digest]. */
    static final Pattern REFERENCE = Pattern.compile("^(?:" + DOMAIN + "/)?" + PATH_COMPONENT + "(?:/" + PATH_COMPONENT
            + ")*(?::" + TAG + ")?(?:@" + DIGEST + ")?$");
    private static final Pattern USER = Pattern.compile("^([^:]*)(?::(.*))?$");
    private static final Pattern PORT = Pattern.compile("^([0-9]{1,5})(?:/(tcp|udp|sctp))?$");
    private static final Pattern ENV_NAME = Pattern.compile("^[A-Za-z_][A-Za-z0-9_]*$");
    private static final Pattern LABEL = Pattern.compile("^[A-Za-z0-9][A-Za-z0-9._/-]*$");

    private OciConfig() {}

    /** Parses the table; relative archive paths are resolved against {@code dir}, the project directory. */
    static OciOptions oci(TomlFields t, Path dir) {
        t.onlyKeys(KEYS);
        OciOptions.Base base = t.string("base").map(b -> base(t, dir, b))
                .orElse(new OciOptions.RegistryBase(OciOptions.DEFAULT_BASE));
        String user = OciOptions.DEFAULT_USER;
        int uid = OciOptions.DEFAULT_UID;
        if (t.has("user")) {
            String u = t.string("user").orElseThrow();
            Matcher m = USER.matcher(u);
            if (!m.matches() || !OciOptions.USER_NAME.matcher(m.group(1)).matches()) {
                throw t.error("user", "'" + u + "' is not name or name:uid with a user name such as app"
                        + " (lower-case letters, digits, _ and -, at most 32 characters)");
            }
            user = m.group(1);
            if (m.group(2) != null) {
                uid = uid(t, u, m.group(2));
            }
            if (user.equals("root")) {
                throw t.error("user", "the image runs as a non-root account; choose another name than root");
            }
        }
        List<String> ports = new ArrayList<>();
        for (String p : t.strings("ports")) {
            Matcher m = PORT.matcher(p);
            int n = m.matches() ? Integer.parseInt(m.group(1)) : -1;
            if (n < 1 || n > 65535) {
                throw t.error("ports", "'" + p + "' is not a port such as 8000, 8000/tcp or 53/udp");
            }
            String norm = n + "/" + (m.group(2) == null ? "tcp" : m.group(2));
            if (!ports.contains(norm)) {
                ports.add(norm);
            }
        }
        Map<String, String> labels = t.stringMap("labels");
        for (String k : labels.keySet()) {
            if (!LABEL.matcher(k).matches()) {
                throw t.error("labels", "'" + k + "' is not a label key such as org.opencontainers.image.source");
            }
        }
        Map<String, String> env = t.stringMap("env");
        for (Map.Entry<String, String> e : env.entrySet()) {
            if (!ENV_NAME.matcher(e.getKey()).matches()) {
                throw t.error("env", "'" + e.getKey() + "' is not an environment variable name");
            }
            if (e.getValue().indexOf('\0') >= 0) {
                throw t.error("env", e.getKey() + ": a value cannot contain a NUL character");
            }
        }
        return new OciOptions(base, user, uid, ports, labels, env);
    }

    private static int uid(TomlFields t, String text, String id) {
        long n = id.matches("[0-9]{1,10}") ? Long.parseLong(id) : -1;
        if (n < 1 || n > Integer.MAX_VALUE) {
            throw t.error("user", "'" + text + "': the uid must be a number from 1 to " + Integer.MAX_VALUE
                    + " (0 is root)");
        }
        return (int) n;
    }

    private static OciOptions.Base base(TomlFields t, Path dir, String text) {
        if (text.startsWith("archive:")) {
            String path = text.substring("archive:".length());
            if (path.isEmpty()) {
                throw t.error("base", "'archive:' names no file (archive:path/to/image.tar)");
            }
            Path p = path.startsWith("~/") ? Path.of(System.getProperty("user.home")).resolve(path.substring(2))
                    : dir.resolve(path);
            if (!Files.isRegularFile(p) && !Files.isDirectory(p)) {
                throw t.error("base", path + ": no such image archive or OCI layout directory");
            }
            return new OciOptions.ArchiveBase(p.toAbsolutePath().normalize());
        }
        String ref = text.startsWith("docker://") ? text.substring("docker://".length()) : text;
        if (!REFERENCE.matcher(ref).matches()) {
            throw t.error("base", "'" + text + "' is neither an image reference such as debian:12-slim or"
                    + " registry.example.org/base:1@sha256:<hex>, nor archive:PATH");
        }
        return new OciOptions.RegistryBase(ref);
    }
}

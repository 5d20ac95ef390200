package io.packyard.server.routes;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.packyard.repository.Repository;
import io.packyard.repository.auth.Access;
import io.packyard.repository.auth.ApiToken;
import io.packyard.repository.auth.Permission;
import io.packyard.repository.index.IndexConfig;
import io.packyard.repository.packages.Downloads;
import io.packyard.repository.packages.LinuxRepositories;
import io.packyard.repository.packages.PackageConflictException;
import io.packyard.repository.packages.PackageStore;
import io.packyard.repository.packages.StorePaths;
import io.packyard.server.http.HttpError;
import io.packyard.server.http.Responses;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The APT and YUM repositories of {@link LinuxRepositories}, per repository name:
 * <pre>
 *   GET|HEAD /repos/{repo}/apt/...                      the APT repository (deb URIs)
 *   GET|HEAD /repos/{repo}/yum/{channel}/...            a YUM/DNF repository (baseurl)
 *   GET|HEAD /repos/{repo}/keys/repository.asc          the signing key(s) (also .gpg)
 *   GET      /repos/{repo}/downloads/                   latest file per platform and format (HTML)
 *   GET      /repos/{repo}/downloads/latest/{which}     302 to that file; which = platform, format,
 *                                                       or platform.format (linux-x86_64.deb)
 *   GET|HEAD /repos/{repo}/downloads/{project}/{channel}/{file}   a published .msi, .zip or .tar.gz
 *   POST     /repos/{repo}/upload?channel=stable&amp;filename=NAME   body: the .deb, .rpm, .msi, .zip or .tar.gz
 * </pre>
 * Only public store paths ({@link PackageStore#isPublic}) are served. Files whose content never
 * changes at their path (by-hash indexes, pool and Packages files) are immutable; everything else
 * (InRelease, Release, repomd.xml, indexes at their plain names, keys) is {@code no-cache} with an
 * ETag, so clients revalidate. Single byte ranges are supported.
 *
 * <p>Authorization: a Linux repository borrows the tokens of the Python index of the same name.
 * Publishing needs a token for index {@code repo} with upload permission that is not limited to a
 * project; reading is open to anyone (APT/YUM clients send no token).
 *
 * <p>The repositories live in {@code <data>/linux}, the signing keys in {@code <data>/keys}
 * (0700, generated on first use: opened on the first request, not at start-up).
 */
public final class LinuxRepositoryRoutes {

    private static final String NO_CACHE = "no-cache";

    private final Repository repo;
    private final Guard guard;

    LinuxRepositoryRoutes(Repository repo, Guard guard) {
        this.repo = repo;
        this.guard = guard;
    }

    public void register(RoutesConfig r) {
        r.post("/repos/{repo}/upload", this::upload);
        r.get("/repos/{repo}/<path>", this::get);
        r.head("/repos/{repo}/<path>", this::get);
    }

    /** The repositories, opened (and the signing key generated) on first use. */
    LinuxRepositories linux() {
        return repo.linux();
    }

    private String repoName(Context ctx) {
        String name = ctx.pathParam("repo");
        if (!StorePaths.isName(name)) {
            throw HttpError.notFound("'" + name + "' is not a repository name");
        }
        return name;
    }

    private void get(Context ctx) {
        String name = repoName(ctx);
        String path = ctx.pathParam("path");
        if (path.equals("downloads") || path.equals("downloads/")) {
            if (!path.endsWith("/")) {
                ctx.redirect("/repos/" + name + "/downloads/", io.javalin.http.HttpStatus.MOVED_PERMANENTLY);
                return;
            }
            downloadsPage(ctx, name);
            return;
        }
        if (path.startsWith("downloads/latest/") && path.indexOf('/', "downloads/latest/".length()) < 0) {
            latest(ctx, name, path.substring("downloads/latest/".length()));
            return;
        }
        String storePath;
        if (path.startsWith("downloads/")) {
            storePath = LinuxRepositories.DOWNLOADS + name + "/" + path.substring("downloads/".length());
        } else if (path.startsWith("apt/") || path.startsWith("yum/")) {
            storePath = path.substring(0, 4) + name + "/" + path.substring(4);
        } else if (path.startsWith("keys/")) {
            storePath = path;
        } else {
            throw HttpError.notFound("no such file: " + ctx.path());
        }
        if (!PackageStore.isPublic(storePath)) {
            throw HttpError.notFound("no such file: " + ctx.path());
        }
        Path file = repo.linuxStore().file(storePath);
        if (!Files.isRegularFile(file)) {
            throw HttpError.notFound("no such file: " + ctx.path());
        }
        Responses.file(ctx, file, contentType(storePath),
                immutable(storePath) ? Responses.FileCaching.immutable() : Responses.FileCaching.noCache());
    }

    /** Paths whose content never changes once written. */
    static boolean immutable(String storePath) {
        return storePath.startsWith(LinuxRepositories.DOWNLOADS) || storePath.contains("/by-hash/") || storePath.contains("/pool/")
                || (storePath.startsWith("yum/") && storePath.contains("/Packages/"));
    }

    private static String contentType(String path) {
        String p = path.toLowerCase(Locale.ROOT);
        if (p.endsWith(".asc") || p.endsWith("/inrelease") || p.endsWith("/release") || p.endsWith(".gpg") && p.contains("/dists/")) {
            return p.endsWith(".asc") && p.startsWith("keys/") ? "application/pgp-keys" : "text/plain; charset=utf-8";
        }
        if (p.endsWith(".xml")) {
            return "application/xml";
        }
        if (p.endsWith(".deb")) {
            return "application/vnd.debian.binary-package";
        }
        if (p.endsWith(".rpm")) {
            return "application/x-rpm";
        }
        if (p.endsWith(".msi")) {
            return "application/x-msi";
        }
        if (p.endsWith(".zip")) {
            return "application/zip";
        }
        if (p.endsWith(".tar.gz")) {
            return "application/gzip";
        }
        return "application/octet-stream";
    }

    private void upload(Context ctx) {
        String name = repoName(ctx);
        IndexConfig index = repo.indexes().find(name).orElseThrow(() -> HttpError.notFound("repository '" + name
                + "' does not exist: a Linux repository is authorized by the index of the same name (packyard index create "
                + name + ")"));
        Optional<ApiToken> token = guard.token(ctx);
        Guard.enforce(Access.writeAnyProject(index, token, Permission.UPLOAD), index);
        if (token.orElseThrow().project().isPresent()) {
            throw new HttpError(403, "this API token is limited to project '" + token.get().project().get()
                    + "'; publishing .deb and .rpm packages needs a token for the whole index '" + name + "'");
        }
        String channel = Optional.ofNullable(ctx.queryParam("channel")).orElse("stable");
        if (!StorePaths.isName(channel)) {
            throw HttpError.badRequest("channel '" + channel + "': expected 1 to 64 lower-case letters, digits, '.', '_', '+' or '-'");
        }
        String filename = Optional.ofNullable(ctx.queryParam("filename")).map(LinuxRepositoryRoutes::baseName).orElse("upload");
        String lower = filename.toLowerCase(Locale.ROOT);
        if (lower.endsWith(".tgz") || lower.endsWith(".exe")) {
            throw HttpError.badRequest(filename + ": only .deb, .rpm, .msi, .zip and .tar.gz files can be published to a"
                    + " Packyard repository");
        }
        long limit = repo.uploads().maxBytes(index);
        long declared = ctx.req().getContentLengthLong();
        if (declared > limit) {
            throw new HttpError(413, "File too large. Limit for repository '" + name + "' is " + UploadRoutes.human(limit)
                    + " (" + filename + ").");
        }
        LinuxRepositories lr = linux();
        Path tmpDir = repo.dataDir().resolve("cache").resolve("linux-uploads");
        Path tmp = null;
        try {
            Files.createDirectories(tmpDir);
            tmp = Files.createTempFile(tmpDir, "upload-", ".tmp");
            long total = 0;
            try (InputStream in = ctx.req().getInputStream(); OutputStream out = Files.newOutputStream(tmp)) {
                byte[] buf = new byte[1 << 16];
                int n;
                while ((n = in.read(buf)) > 0) {
                    total += n;
                    if (total > limit) {
                        throw new HttpError(413, "File too large. Limit for repository '" + name + "' is "
                                + UploadRoutes.human(limit) + " (" + filename + ").");
                    }
                    out.write(buf, 0, n);
                }
            }
            if (total == 0) {
                throw HttpError.badRequest("the upload has no file (send the package as the request body)");
            }
            LinuxRepositories.PublishResult result;
            try {
                result = lr.publish(tmp, filename, name, channel);
            } catch (PackageConflictException e) {
                throw new HttpError(409, e.getMessage());
            }
            var p = result.published();
            String where = switch (p.format()) {
                case "deb" -> "/repos/" + name + "/apt/ " + channel + " main";
                case "rpm" -> "/repos/" + name + "/yum/" + channel + "/";
                default -> "/repos/" + name + "/downloads/ (" + channel + ")";
            };
            Responses.text(ctx, result.changed() ? 201 : 200, (result.changed() ? "OK: published " : "OK: already published (same content) ")
                    + p.name() + " " + p.version() + " " + p.architecture() + " (" + p.format() + ") in " + where
                    + " as " + urlOf(p.path()) + " sha256 " + p.sha256());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // a leftover temporary file in the cache is harmless
                }
            }
        }
    }

    /** The URL path of a store path ({@code apt/<repo>/rest} → {@code /repos/<repo>/apt/rest}). */
    static String urlOf(String storePath) {
        if (storePath.startsWith(LinuxRepositories.DOWNLOADS)) {
            String rest = storePath.substring(LinuxRepositories.DOWNLOADS.length());
            int slash = rest.indexOf('/');
            return "/repos/" + rest.substring(0, slash) + "/downloads" + rest.substring(slash);
        }
        if (storePath.startsWith("apt/") || storePath.startsWith("yum/")) {
            String rest = storePath.substring(4);
            int slash = rest.indexOf('/');
            return "/repos/" + rest.substring(0, slash) + "/" + storePath.substring(0, 3) + rest.substring(slash);
        }
        return "/" + storePath;
    }

    private void downloadsPage(Context ctx, String name) {
        List<Downloads.Download> rows;
        try {
            rows = linux().latestDownloads(name);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        StringBuilder b = new StringBuilder();
        b.append("<!DOCTYPE html>\n<html>\n<head><meta charset=\"utf-8\"><title>Downloads: ").append(esc(name))
                .append("</title></head>\n<body>\n<h1>Downloads: ").append(esc(name)).append("</h1>\n");
        if (rows.isEmpty()) {
            b.append("<p>Nothing has been published here yet.</p>\n");
        } else {
            b.append("<table>\n<tr><th>Project</th><th>Version</th><th>Channel</th><th>Platform</th><th>Format</th>"
                    + "<th>File</th><th>Size</th><th>SHA-256</th><th>Latest URL</th></tr>\n");
            for (Downloads.Download d : rows) {
                String latest = "/repos/" + name + "/downloads/latest/" + d.platform() + "." + d.format() + "?project="
                        + d.project() + "&channel=" + d.channel();
                b.append("<tr><td>").append(esc(d.project())).append("</td><td>").append(esc(d.version()))
                        .append("</td><td>").append(esc(d.channel())).append("</td><td>").append(esc(d.platform()))
                        .append("</td><td>").append(esc(d.format())).append("</td><td><a href=\"")
                        .append(esc(urlOf(d.path()))).append("\">").append(esc(d.file().fileName())).append("</a></td><td>")
                        .append(d.size()).append(" bytes (").append(esc(human(d.size()))).append(")</td><td><code>")
                        .append(esc(d.sha256())).append("</code></td><td><a href=\"").append(esc(latest)).append("\">")
                        .append(esc(latest)).append("</a></td></tr>\n");
            }
            b.append("</table>\n");
        }
        b.append("<p>Signing key: <a href=\"/repos/").append(esc(name)).append("/keys/repository.asc\">/repos/")
                .append(esc(name)).append("/keys/repository.asc</a></p>\n</body>\n</html>\n");
        ctx.res().setHeader("Cache-Control", NO_CACHE);
        ctx.res().setContentType("text/html; charset=utf-8");
        Responses.send(ctx, 200, b.toString().getBytes(StandardCharsets.UTF_8));
    }

    private void latest(Context ctx, String name, String which) {
        List<Downloads.Download> rows;
        try {
            rows = linux().latestDownloads(name);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String project = ctx.queryParam("project");
        String channel = ctx.queryParam("channel");
        List<Downloads.Download> match = new ArrayList<>();
        for (Downloads.Download d : rows) {
            if ((project == null || d.project().equals(project)) && (channel == null || d.channel().equals(channel))
                    && (which.equals(d.platform()) || which.equals(d.format())
                            || which.equals(d.platform() + "." + d.format()))) {
                match.add(d);
            }
        }
        if (match.isEmpty()) {
            throw HttpError.notFound("repository '" + name + "' has no download matching '" + which + "'"
                    + (project == null ? "" : " for project '" + project + "'") + (channel == null ? "" : " in channel '" + channel + "'"));
        }
        if (match.size() > 1) {
            List<String> choices = match.stream().map(d -> d.project() + " " + d.channel() + " " + d.platform() + "." + d.format()).toList();
            throw HttpError.notFound("'" + which + "' matches several downloads of repository '" + name + "' ("
                    + String.join(", ", choices) + "); name platform.format and add ?project=&channel=");
        }
        ctx.res().setHeader("Cache-Control", NO_CACHE);
        ctx.redirect(urlOf(match.get(0).path()), io.javalin.http.HttpStatus.FOUND);
    }

    private static String human(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        if (bytes < 1024 * 1024) {
            return String.format(Locale.ROOT, "%.1f KiB", bytes / 1024.0);
        }
        return String.format(Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024));
    }

    static String esc(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
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

    private static String baseName(String name) {
        String n = name.replace('\\', '/');
        return n.substring(n.lastIndexOf('/') + 1);
    }
}

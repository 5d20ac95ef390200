package io.packyard.cli;

import io.packyard.python.PackyardException;
import io.packyard.python.upload.UploadClient;
import io.packyard.python.upload.UploadRejectedException;
import io.packyard.python.upload.UploadResult;
import io.packyard.python.upload.ValidatedUpload;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code packyard publish}: upload wheels and sdists to a Python package index, or .deb/.rpm packages to a Packyard repository ({@code --repo}). */
@Command(
        name = "publish",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        usageHelpAutoWidth = true,
        description = {
            "Upload wheels and source distributions to a Python package index (packyard serve, PyPI, "
                    + "TestPyPI or any index twine can upload to), through the upload API twine uses.",
            "",
            "Every file is first checked here as strictly as PyPI checks uploads (file name, archive "
                    + "structure, RECORD hashes, metadata); if any file is invalid nothing is uploaded. The "
                    + "files are then uploaded in the order given; the first one the index refuses stops the "
                    + "upload, with the index's reason.",
            "",
            "The token is read from --token, --token-file or the PACKYARD_TOKEN environment variable, in "
                    + "that order, and sent as HTTP Basic auth with the user name __token__."
        },
        footer = {"", "Examples:",
                "  # a wheel and an sdist to a packyard server, token from the environment:",
                "  PACKYARD_TOKEN=pypi-... packyard publish dist/notes-1.0-py3-none-any.whl \\",
                "      dist/notes-1.0.tar.gz --to https://packages.example.org/legacy/",
                "",
                "  # everything built, token in a file, files already on the index skipped:",
                "  packyard publish dist/*.whl dist/*.tar.gz --skip-existing \\",
                "      --to https://upload.pypi.org/legacy/ --token-file ~/.pypi-token",
                "",
                "  # .deb and .rpm packages (APT/YUM) and .msi/.zip/.tar.gz downloads to repository 'acme':",
                "  packyard publish dist/*.deb dist/*.rpm dist/*.msi dist/*.zip --to https://packages.example.org/ \\",
                "      --repo acme --channel stable --token-file ~/.packyard-token",
                "",
                "  # check the files as the index would, upload nothing:",
                "  packyard publish dist/*.whl --to https://test.pypi.org/legacy/ --dry-run",
                "",
                "Exit status: 0 every file uploaded (or skipped), 1 a file invalid or refused by the index,"
                        + " 2 usage or configuration error."})
public final class PublishCommand implements Callable<Integer> {

    @Parameters(arity = "1..*", paramLabel = "DIST", description = "Wheels (.whl) and sdists (.tar.gz) to upload.")
    List<Path> dists = new ArrayList<>();

    @Option(names = "--to", required = true, paramLabel = "URL",
            description = "The index's upload URL (twine's --repository-url), e.g. https://upload.pypi.org/legacy/.")
    String to;

    @Option(names = "--token", paramLabel = "TOKEN", description = "API token (visible in the process list: prefer --token-file or PACKYARD_TOKEN).")
    String token;

    @Option(names = "--token-file", paramLabel = "FILE", description = "File holding the API token.")
    Path tokenFile;

    @Option(names = "--skip-existing", description = "Skip files the index already has instead of failing (twine's --skip-existing).")
    boolean skipExisting;

    @Option(names = "--dry-run", description = "Check every file as the index would, upload nothing.")
    boolean dryRun;

    @Option(names = {"-q", "--quiet"}, description = "Print only errors and the outcome for each file.")
    boolean quiet;

    @Option(names = "--repo", paramLabel = "NAME",
            description = "Publish .deb and .rpm packages (APT and YUM) and .msi, .zip and .tar.gz downloads to this Packyard"
                    + " repository (served by packyard serve at /repos/NAME/) instead of a Python index; --to is then the server's base URL.")
    String repo;

    @Option(names = "--channel", paramLabel = "CHANNEL",
            description = "With --repo: the APT suite / YUM channel to publish to (default: stable).")
    String channel;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** The environment (replaceable in tests). */
    Function<String, String> getenv = System::getenv;

    /** What a DIST is. */
    enum Kind { WHEEL, SDIST, SYSTEM_PACKAGE }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        ConsoleProgress progress = new ConsoleProgress(spec.commandLine().getErr(), quiet);

        Map<Path, Kind> kinds = new LinkedHashMap<>();
        for (Path d : dists) {
            kinds.put(d, classify(d));
        }
        if (repo != null || channel != null) {
            return publishToRepository(kinds, out, progress);
        }
        for (Map.Entry<Path, Kind> e : kinds.entrySet()) {
            if (e.getValue() == Kind.SYSTEM_PACKAGE) {
                throw PackyardException.config(e.getKey() + ": only wheels (.whl) and sdists (.tar.gz) can be published"
                        + " to a Python index; .deb and .rpm packages go to a Packyard repository"
                        + " (--repo NAME [--channel C])");
            }
        }

        UploadClient.Builder builder = UploadClient.builder().repositoryUrl(to).skipExisting(skipExisting)
                .progress(progress);
        String t = resolveToken();
        if (t != null) {
            builder.token(t);
        }
        UploadClient client = builder.build();

        // Check everything first: a broken third file must not leave two of three uploaded.
        Map<Path, ValidatedUpload> checked = new LinkedHashMap<>();
        for (Path d : kinds.keySet()) {
            if (!quiet) {
                progress.step("Checking " + d);
            }
            try {
                checked.put(d, client.check(d));
            } catch (UploadRejectedException e) {
                String name = d.getFileName().toString();
                throw new UploadRejectedException(e.status(), e.reason().contains(name) ? e.reason()
                        : name + ": " + e.reason(), e);
            }
        }
        if (dryRun) {
            for (ValidatedUpload u : checked.values()) {
                out.println("ok " + u.filename() + " (" + u.name() + " " + u.canonicalVersion() + ", sha256 "
                        + u.sha256() + ")");
            }
            return 0;
        }
        for (Map.Entry<Path, ValidatedUpload> e : checked.entrySet()) {
            UploadResult r = client.upload(e.getKey(), e.getValue());
            switch (r.outcome()) {
                case UPLOADED -> out.println("uploaded " + r.filename());
                case ALREADY_EXISTS -> out.println("skipped " + r.filename() + " (already on the index)");
                case REJECTED -> {
                    out.flush();
                    throw PackyardException.build(r.filename() + ": refused by " + client.url() + " (HTTP "
                            + r.status() + "): " + (r.message().isEmpty() ? "no reason given" : r.message())
                            + hint(r.status()));
                }
            }
        }
        return 0;
    }

    /**
     * Issue 5: {@code --repo}: each .deb/.rpm/.msi/.zip/.tar.gz is sent as the body of
     * {@code POST <to>/repos/<repo>/upload?channel=<channel>&filename=<name>} (packyard serve's
     * LinuxRepositoryRoutes), with the token as HTTP Basic {@code __token__}.
     */
    private int publishToRepository(Map<Path, Kind> kinds, PrintWriter out, ConsoleProgress progress) {
        if (repo == null) {
            throw PackyardException.config("--channel: only with --repo NAME");
        }
        if (!io.packyard.repository.packages.StorePaths.isName(repo)) {
            throw PackyardException.config("--repo '" + repo + "': expected 1 to 64 lower-case letters, digits, '.', '_',"
                    + " '+' or '-', starting with a letter or digit");
        }
        String ch = channel == null ? "stable" : channel;
        if (!io.packyard.repository.packages.StorePaths.isName(ch)) {
            throw PackyardException.config("--channel '" + ch + "': expected 1 to 64 lower-case letters, digits, '.', '_',"
                    + " '+' or '-', starting with a letter or digit");
        }
        if (skipExisting) {
            throw PackyardException.config("--skip-existing: not used with --repo (publishing the same package again is"
                    + " accepted; a different package with the same name, version and architecture is refused)");
        }
        java.net.URI base;
        try {
            base = java.net.URI.create(to.endsWith("/") ? to : to + "/");
        } catch (IllegalArgumentException e) {
            throw PackyardException.config("--to '" + to + "': not a URL: " + e.getMessage());
        }
        if (base.getScheme() == null || !(base.getScheme().equals("http") || base.getScheme().equals("https"))
                || base.getHost() == null) {
            throw PackyardException.config("--to '" + to + "': expected an http:// or https:// URL of the packyard server");
        }
        Map<Path, String> formats = new LinkedHashMap<>();
        for (Map.Entry<Path, Kind> e : kinds.entrySet()) {
            Path d = e.getKey();
            String name = d.getFileName().toString();
            java.util.Optional<String> download = io.packyard.repository.packages.DownloadArtifacts.formatOf(name);
            if (e.getValue() == Kind.WHEEL || (e.getValue() != Kind.SYSTEM_PACKAGE && download.isEmpty())) {
                throw PackyardException.config(d + ": only .deb, .rpm, .msi, .zip and .tar.gz files can be published with"
                        + " --repo; wheels and sdists go to a Python index (without --repo)");
            }
            if (!Files.isRegularFile(d)) {
                throw PackyardException.config(d + ": no such file");
            }
            if (download.isPresent()) {
                // the server reads and checks its name and content (DownloadArtifacts) and says why it refuses one
                formats.put(d, download.get());
                continue;
            }
            try {
                String f = io.packyard.repository.packages.LinuxRepositories.detectFormat(d).orElseThrow(() ->
                        PackyardException.build(name + ": neither a Debian package nor an RPM (by its content)"));
                formats.put(d, f);
            } catch (IOException ex) {
                throw PackyardException.config(d + ": cannot read: " + ex.getMessage());
            }
        }
        if (dryRun) {
            for (Map.Entry<Path, String> e : formats.entrySet()) {
                out.println("ok " + e.getKey().getFileName() + " (" + e.getValue() + ")");
            }
            return 0;
        }
        String t = resolveToken();
        if (t == null) {
            throw PackyardException.config("--repo: an API token is needed: --token, --token-file or PACKYARD_TOKEN");
        }
        String auth = "Basic " + java.util.Base64.getEncoder().encodeToString(("__token__:" + t).getBytes(StandardCharsets.UTF_8));
        java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder()
                .connectTimeout(java.time.Duration.ofSeconds(30)).followRedirects(java.net.http.HttpClient.Redirect.NEVER).build();
        for (Path d : formats.keySet()) {
            String name = d.getFileName().toString();
            java.net.URI uri = base.resolve("repos/" + repo + "/upload?channel=" + enc(ch) + "&filename=" + enc(name));
            if (!quiet) {
                progress.step("Uploading " + name + " to " + base.resolve("repos/" + repo + "/"));
            }
            java.net.http.HttpResponse<String> res;
            try {
                java.net.http.HttpRequest req = java.net.http.HttpRequest.newBuilder(uri)
                        .header("Authorization", auth).header("Content-Type", "application/octet-stream")
                        .timeout(java.time.Duration.ofMinutes(30))
                        .POST(java.net.http.HttpRequest.BodyPublishers.ofFile(d)).build();
                res = http.send(req, java.net.http.HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            } catch (IOException e) {
                out.flush();
                throw PackyardException.build(name + ": cannot upload to " + uri + ": " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw PackyardException.build(name + ": interrupted");
            }
            String message = res.body().lines().findFirst().orElse("").strip();
            if (res.statusCode() == 201) {
                out.println("published " + name + (message.isEmpty() ? "" : ": " + message));
            } else if (res.statusCode() == 200) {
                out.println("unchanged " + name + " (already published with the same content)"
                        + (message.isEmpty() ? "" : ": " + message));
            } else {
                out.flush();
                throw PackyardException.build(name + ": refused by " + base.resolve("repos/" + repo + "/") + " (HTTP "
                        + res.statusCode() + "): " + (message.isEmpty() ? "no reason given" : message) + hint(res.statusCode()));
            }
        }
        return 0;
    }

    private static String enc(String s) {
        return java.net.URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String hint(int status) {
        return status == 401 || status == 403 ? " (check the token: --token, --token-file or PACKYARD_TOKEN)" : "";
    }

    static Kind classify(Path d) {
        String name = d.getFileName() == null ? d.toString() : d.getFileName().toString();
        String lower = name.toLowerCase(Locale.ROOT);
        if (Files.isDirectory(d)) {
            throw PackyardException.config(d + ": is a directory; name the files, e.g. dist/*.whl dist/*.tar.gz");
        }
        if (lower.endsWith(".deb") || lower.endsWith(".rpm") || lower.endsWith(".msi")) {
            return Kind.SYSTEM_PACKAGE;
        }
        if (!Files.isRegularFile(d)) {
            throw PackyardException.config(d + ": no such file");
        }
        if (lower.endsWith(".whl")) {
            return Kind.WHEEL;
        }
        if (lower.endsWith(".tar.gz") || lower.endsWith(".zip")) {
            return Kind.SDIST; // a .zip sdist is refused by the check, with PyPI's reason
        }
        throw PackyardException.config(d + ": not a wheel (.whl) or sdist (.tar.gz)");
    }

    private String resolveToken() {
        return BuildsClient.resolveToken(token, tokenFile, getenv);
    }
}

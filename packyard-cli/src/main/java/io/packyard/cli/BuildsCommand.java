package io.packyard.cli;

import io.packyard.python.PackyardException;
import io.packyard.python.json.Json;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code packyard builds ...}: the build service of a packyard server, through its REST API. */
@Command(
        name = "builds",
        mixinStandardHelpOptions = true,
        usageHelpAutoWidth = true,
        description = {
            "Start, watch, cancel and download builds of a packyard server's build service, and configure its "
                    + "build projects (a git repository, targets, formats, smoke test, where to publish).",
            "",
            "Reads are public; writes (start, upload, cancel, rerun, project set) need an API token with upload or "
                    + "maintain permission, from --token-file, the PACKYARD_TOKEN environment variable or --token. "
                    + "The server's URL comes from --server or PACKYARD_SERVER."
        },
        subcommands = {BuildsCommand.Start.class, BuildsCommand.Upload.class, BuildsCommand.ListBuilds.class,
                BuildsCommand.Show.class, BuildsCommand.Logs.class, BuildsCommand.Cancel.class, BuildsCommand.Rerun.class,
                BuildsCommand.Artifacts.class, BuildsCommand.Project.class},
        footer = {"", "Examples:",
                "  export PACKYARD_SERVER=https://packages.example.org/",
                "  export PACKYARD_TOKEN=pyd_...",
                "  packyard builds project set notes --git https://git.example.org/notes.git \\",
                "      --follow main,refs/tags/v* --target linux-x86_64 --format deb,tar.gz \\",
                "      --smoke 'notes --version' --publish apps:stable",
                "  packyard builds start notes --ref v1.2.0",
                "  packyard builds upload notes notes-src.tar.gz",
                "  packyard builds list --project notes",
                "  packyard builds logs 42 -f",
                "  packyard builds artifacts 42 --download dist/",
                "",
                "Exit status: 0 success, 1 the server failed or refused (or, for logs -f, the build failed),"
                        + " 2 usage or configuration error (bad option, missing or refused token, no such build)."})
public final class BuildsCommand implements Runnable {

    static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm").withZone(ZoneOffset.UTC);

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Shared by the subcommands: server options, output. */
    abstract static class Sub implements Callable<Integer> {
        @Mixin
        BuildsClient.ServerOptions server;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        PrintWriter out() {
            return spec.commandLine().getOut();
        }

        PrintWriter err() {
            return spec.commandLine().getErr();
        }
    }

    static long id(String s) {
        try {
            long id = Long.parseLong(s.strip());
            if (id > 0) {
                return id;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw PackyardException.config("build id '" + s + "': expected a positive number");
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> obj(Object o, String what) {
        if (!(o instanceof Map<?, ?>)) {
            throw PackyardException.build(what + ": expected a JSON object from the server");
        }
        return (Map<String, Object>) o;
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> objs(Object o, String what) {
        if (!(o instanceof List<?> l) || !l.stream().allMatch(Map.class::isInstance)) {
            throw PackyardException.build(what + ": expected a JSON array of objects from the server");
        }
        return (List<Map<String, Object>>) o;
    }

    static String s(Map<String, Object> m, String key) {
        Object v = m.get(key);
        return v == null ? "" : v.toString();
    }

    static String time(Map<String, Object> m, String key) {
        String v = s(m, key);
        if (v.isEmpty()) {
            return "-";
        }
        try {
            return TIME.format(Instant.parse(v));
        } catch (DateTimeParseException e) {
            return v;
        }
    }

    static String duration(Map<String, Object> m) {
        Object v = m.get("duration_seconds");
        if (!(v instanceof Number n)) {
            return "-";
        }
        long s = n.longValue();
        return s >= 3600 ? String.format("%dh%02dm", s / 3600, s / 60 % 60)
                : s >= 60 ? String.format("%dm%02ds", s / 60, s % 60) : s + "s";
    }

    static String size(Object v) {
        if (!(v instanceof Number n)) {
            return "-";
        }
        long b = n.longValue();
        if (b < 1024) {
            return b + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double d = b;
        int u = -1;
        while (d >= 1024 && u < units.length - 1) {
            d /= 1024;
            u++;
        }
        return String.format(java.util.Locale.ROOT, "%.1f %s", d, units[u]);
    }

    static void printBuild(PrintWriter out, Map<String, Object> b, BuildsClient c) {
        out.println("build " + s(b, "id") + "  " + s(b, "project") + "  " + s(b, "state"));
        out.println("  trigger:  " + s(b, "trigger") + (s(b, "rerun_of").isEmpty() ? "" : " (rerun of " + s(b, "rerun_of") + ")"));
        if (!s(b, "git_url").isEmpty()) {
            out.println("  source:   " + s(b, "git_url") + (s(b, "git_ref").isEmpty() ? "" : " " + s(b, "git_ref"))
                    + (s(b, "git_commit").isEmpty() ? "" : " @ " + s(b, "git_commit")));
        } else if (!s(b, "source_name").isEmpty()) {
            out.println("  source:   " + s(b, "source_name"));
        }
        out.println("  created:  " + time(b, "created_at") + "   started: " + time(b, "started_at") + "   finished: "
                + time(b, "finished_at") + "   duration: " + duration(b));
        if (!s(b, "error").isEmpty()) {
            out.println("  error:    " + s(b, "error"));
        }
        if (!s(b, "ui").isEmpty()) {
            out.println("  web:      " + c.uri(s(b, "ui")));
        }
    }

    static String json(Object v) {
        return Json.write(v);
    }

    /** {@code packyard builds start}. */
    @Command(name = "start", mixinStandardHelpOptions = true, sortOptions = false, usageHelpAutoWidth = true,
            description = "Queue a build of a project from its git repository.",
            footer = {"", "Examples:",
                    "  packyard builds start notes",
                    "  packyard builds start notes --ref v1.2.0 --priority 10",
                    "  packyard builds start notes --git-url https://git.example.org/fork.git --ref fix",
                    "  packyard builds start notes --at 2026-11-22T03:00:00Z"})
    static final class Start extends Sub {
        @Parameters(index = "0", paramLabel = "PROJECT", description = "The build project (packyard builds project set).")
        String project;

        @Option(names = "--ref", paramLabel = "REF", description = "Branch, tag or commit (default: the project's ref).")
        String ref;

        @Option(names = "--git-url", paramLabel = "URL", description = "Build from this repository instead of the project's.")
        String gitUrl;

        @Option(names = "--priority", paramLabel = "N", description = "Higher runs first (default: 0).")
        Integer priority;

        @Option(names = "--at", paramLabel = "ISO-TIME", description = "Not before this time, e.g. 2026-11-22T03:00:00Z.")
        String at;

        @Override
        public Integer call() {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("project", project);
            if (ref != null) {
                body.put("ref", ref);
            }
            if (gitUrl != null) {
                body.put("git_url", gitUrl);
            }
            if (priority != null) {
                body.put("priority", priority);
            }
            if (at != null) {
                try {
                    body.put("not_before", OffsetDateTime.parse(at.strip()).toInstant().toString());
                } catch (DateTimeParseException e) {
                    throw PackyardException.config("--at '" + at + "': expected an ISO-8601 time such as 2026-11-22T03:00:00Z");
                }
            }
            BuildsClient c = server.writer("builds start");
            Map<String, Object> b = obj(c.post("api/builds", body, 201), "build");
            out().println("build " + s(b, "id") + " queued for " + s(b, "project")
                    + (s(b, "ui").isEmpty() ? "" : ": " + c.uri(s(b, "ui"))));
            return 0;
        }
    }

    /** {@code packyard builds upload}. */
    @Command(name = "upload", mixinStandardHelpOptions = true, sortOptions = false, usageHelpAutoWidth = true,
            description = "Queue a build of a project from a source archive (.tar.gz or .zip) instead of git.",
            footer = {"", "Examples:",
                    "  git archive --format=tar.gz -o /tmp/notes.tar.gz HEAD",
                    "  packyard builds upload notes /tmp/notes.tar.gz"})
    static final class Upload extends Sub {
        @Parameters(index = "0", paramLabel = "PROJECT", description = "The build project.")
        String project;

        @Parameters(index = "1", paramLabel = "ARCHIVE", description = "The project's source tree as .tar.gz or .zip.")
        Path archive;

        @Option(names = "--priority", paramLabel = "N", description = "Higher runs first (default: 0).")
        Integer priority;

        @Override
        public Integer call() {
            String n = archive.getFileName() == null ? "" : archive.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
            if (!Files.isRegularFile(archive)) {
                throw PackyardException.config(archive + ": no such file");
            }
            if (!(n.endsWith(".tar.gz") || n.endsWith(".tgz") || n.endsWith(".zip"))) {
                throw PackyardException.config(archive + ": expected a .tar.gz or .zip source archive");
            }
            BuildsClient c = server.writer("builds upload");
            Map<String, String> fields = new LinkedHashMap<>();
            fields.put("project", project);
            if (priority != null) {
                fields.put("priority", priority.toString());
            }
            Map<String, Object> b = obj(c.upload("api/builds/upload", fields, "source", archive), "build");
            out().println("build " + s(b, "id") + " queued for " + s(b, "project") + " from " + archive.getFileName()
                    + (s(b, "ui").isEmpty() ? "" : ": " + c.uri(s(b, "ui"))));
            return 0;
        }
    }

    /** {@code packyard builds list}. */
    @Command(name = "list", mixinStandardHelpOptions = true, sortOptions = false, usageHelpAutoWidth = true,
            description = "List recent builds, newest first.",
            footer = {"", "Examples:", "  packyard builds list", "  packyard builds list --project notes --limit 5 --json"})
    static final class ListBuilds extends Sub {
        @Option(names = "--project", paramLabel = "P", description = "Only this project's builds.")
        String project;

        @Option(names = "--limit", paramLabel = "N", description = "At most N builds (default: 20).")
        int limit = 20;

        @Option(names = "--json", description = "Print the server's JSON array.")
        boolean json;

        @Override
        public Integer call() {
            if (limit < 1 || limit > 1000) {
                throw PackyardException.config("--limit: expected 1 to 1000, got " + limit);
            }
            String q = "api/builds?limit=" + limit + (project == null ? "" : "&project=" + BuildsClient.enc(project));
            Object v = server.client().get(q);
            List<Map<String, Object>> builds = objs(v, "builds");
            if (json) {
                out().println(json(v));
                return 0;
            }
            if (builds.isEmpty()) {
                out().println("no builds" + (project == null ? "" : " of " + project));
                return 0;
            }
            List<String[]> rows = new ArrayList<>();
            rows.add(new String[] {"ID", "PROJECT", "STATE", "TRIGGER", "DURATION", "CREATED"});
            for (Map<String, Object> b : builds) {
                rows.add(new String[] {s(b, "id"), s(b, "project"), s(b, "state"), s(b, "trigger"), duration(b),
                        time(b, "created_at")});
            }
            table(out(), rows);
            return 0;
        }
    }

    static void table(PrintWriter out, List<String[]> rows) {
        int[] w = new int[rows.get(0).length];
        for (String[] r : rows) {
            for (int i = 0; i < r.length; i++) {
                w[i] = Math.max(w[i], r[i].length());
            }
        }
        for (String[] r : rows) {
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < r.length; i++) {
                b.append(r[i]);
                if (i < r.length - 1) {
                    b.append(" ".repeat(w[i] - r[i].length() + 2));
                }
            }
            out.println(b.toString().stripTrailing());
        }
    }

    /** {@code packyard builds show}. */
    @Command(name = "show", mixinStandardHelpOptions = true, sortOptions = false, usageHelpAutoWidth = true,
            description = "Show a build: its state, jobs and artifacts.",
            footer = {"", "Examples:", "  packyard builds show 42", "  packyard builds show 42 --json | jq .jobs"})
    static final class Show extends Sub {
        @Parameters(index = "0", paramLabel = "ID", description = "The build's id.")
        String id;

        @Option(names = "--json", description = "Print the server's JSON.")
        boolean json;

        @Override
        public Integer call() {
            BuildsClient c = server.client();
            Object v = c.get("api/builds/" + id(id));
            Map<String, Object> b = obj(v, "build");
            if (json) {
                out().println(json(v));
                return 0;
            }
            printBuild(out(), b, c);
            List<Map<String, Object>> jobs = b.get("jobs") == null ? List.of() : objs(b.get("jobs"), "jobs");
            if (!jobs.isEmpty()) {
                out().println();
                List<String[]> rows = new ArrayList<>();
                rows.add(new String[] {"JOB", "STEP", "TARGET", "STATE", "ATTEMPT", "WORKER", "ERROR"});
                for (Map<String, Object> j : jobs) {
                    rows.add(new String[] {s(j, "id"), s(j, "step"), s(j, "target").isEmpty() ? "-" : s(j, "target"),
                            s(j, "state"), s(j, "attempt") + "/" + s(j, "max_attempts"),
                            s(j, "worker").isEmpty() ? "-" : s(j, "worker"), s(j, "error")});
                }
                table(out(), rows);
            }
            List<Map<String, Object>> arts = b.get("artifacts") == null ? List.of() : objs(b.get("artifacts"), "artifacts");
            if (!arts.isEmpty()) {
                out().println();
                artifactTable(out(), arts);
            }
            return 0;
        }
    }

    static void artifactTable(PrintWriter out, List<Map<String, Object>> arts) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"ARTIFACT", "TARGET", "SIZE", "SHA256"});
        for (Map<String, Object> a : arts) {
            rows.add(new String[] {s(a, "filename"), s(a, "target").isEmpty() ? "-" : s(a, "target"), size(a.get("size")),
                    s(a, "sha256")});
        }
        table(out, rows);
    }

    /** {@code packyard builds logs}. */
    @Command(name = "logs", mixinStandardHelpOptions = true, sortOptions = false, usageHelpAutoWidth = true,
            description = {"Print a build's log. With -f, follow it until the build is over; the exit status is then "
                    + "0 if the build succeeded and 1 if it failed or was cancelled."},
            footer = {"", "Examples:", "  packyard builds logs 42", "  packyard builds logs 42 -f || echo 'build 42 did not succeed'"})
    static final class Logs extends Sub {
        @Parameters(index = "0", paramLabel = "ID", description = "The build's id.")
        String id;

        @Option(names = {"-f", "--follow"}, description = "Keep printing the log as it grows until the build is over.")
        boolean follow;

        /** Poll interval (tests shorten it). */
        static long pollMillis = 500;

        @Override
        public Integer call() throws InterruptedException {
            long build = id(id);
            BuildsClient c = server.client();
            long after = 0;
            while (true) {
                Map<String, Object> page = obj(c.get("api/builds/" + build + "/log?after=" + after), "log");
                List<Map<String, Object>> chunks = page.get("chunks") == null ? List.of() : objs(page.get("chunks"), "log chunks");
                for (Map<String, Object> ch : chunks) {
                    out().print(s(ch, "text"));
                }
                out().flush();
                long next = page.get("next") instanceof Number n ? n.longValue() : after;
                boolean progressed = next > after;
                after = next;
                boolean finished = Boolean.TRUE.equals(page.get("finished"));
                if (progressed && !chunks.isEmpty() && !finished) {
                    continue; // more pages may be waiting
                }
                if (!follow) {
                    return 0;
                }
                if (finished) {
                    String state = s(page, "state");
                    if (state.isEmpty()) {
                        state = s(obj(c.get("api/builds/" + build), "build"), "state");
                    }
                    err().println("build " + build + " " + state);
                    return state.equals("succeeded") ? 0 : 1;
                }
                Thread.sleep(pollMillis);
            }
        }
    }

    /** {@code packyard builds cancel}. */
    @Command(name = "cancel", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
            description = "Cancel a queued or running build (running steps are stopped).",
            footer = {"", "Example:", "  packyard builds cancel 42"})
    static final class Cancel extends Sub {
        @Parameters(index = "0", paramLabel = "ID", description = "The build's id.")
        String id;

        @Override
        public Integer call() {
            Map<String, Object> b = obj(server.writer("builds cancel").post("api/builds/" + id(id) + "/cancel", null, 200), "build");
            out().println("build " + s(b, "id") + " " + s(b, "state"));
            return 0;
        }
    }

    /** {@code packyard builds rerun}. */
    @Command(name = "rerun", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
            description = "Queue a new build of the same source as a finished one (same commit or archive).",
            footer = {"", "Example:", "  packyard builds rerun 42"})
    static final class Rerun extends Sub {
        @Parameters(index = "0", paramLabel = "ID", description = "The build's id.")
        String id;

        @Override
        public Integer call() {
            BuildsClient c = server.writer("builds rerun");
            Map<String, Object> b = obj(c.post("api/builds/" + id(id) + "/rerun", null, 201), "build");
            out().println("build " + s(b, "id") + " queued (rerun of " + id(id) + ")"
                    + (s(b, "ui").isEmpty() ? "" : ": " + c.uri(s(b, "ui"))));
            return 0;
        }
    }

    /** {@code packyard builds artifacts}. */
    @Command(name = "artifacts", mixinStandardHelpOptions = true, sortOptions = false, usageHelpAutoWidth = true,
            description = "List a build's artifacts, or download them (each checked against its SHA-256).",
            footer = {"", "Examples:", "  packyard builds artifacts 42", "  packyard builds artifacts 42 --download dist/"})
    static final class Artifacts extends Sub {
        @Parameters(index = "0", paramLabel = "ID", description = "The build's id.")
        String id;

        @Option(names = "--download", paramLabel = "DIR", description = "Download every artifact into DIR.")
        Path download;

        @Option(names = "--json", description = "Print the server's JSON array.")
        boolean json;

        @Override
        public Integer call() {
            long build = id(id);
            BuildsClient c = server.client();
            Object v = c.get("api/builds/" + build + "/artifacts");
            List<Map<String, Object>> arts = objs(v, "artifacts");
            if (download == null) {
                if (json) {
                    out().println(json(v));
                } else if (arts.isEmpty()) {
                    out().println("build " + build + " has no artifacts");
                } else {
                    artifactTable(out(), arts);
                }
                return 0;
            }
            try {
                Files.createDirectories(download);
            } catch (java.io.IOException e) {
                throw PackyardException.config("--download " + download + ": cannot create: " + e.getMessage());
            }
            for (Map<String, Object> a : arts) {
                String name = s(a, "filename");
                if (name.isEmpty() || name.contains("/") || name.contains("\\") || name.equals(".") || name.equals("..")) {
                    throw PackyardException.build("build " + build + ": refusing artifact name '" + name + "'");
                }
                String url = s(a, "url").isEmpty() ? "api/builds/" + build + "/artifacts/" + BuildsClient.enc(name) : s(a, "url");
                Path to = download.resolve(name);
                String sha = c.download(url, to);
                if (!sha.equalsIgnoreCase(s(a, "sha256"))) {
                    try {
                        Files.deleteIfExists(to);
                    } catch (java.io.IOException e) {
                        // reported below anyway
                    }
                    throw PackyardException.build(name + ": SHA-256 mismatch: the server lists " + s(a, "sha256")
                            + ", the download has " + sha + " (deleted)");
                }
                out().println("downloaded " + to + " (" + size(a.get("size")) + ", sha256 " + sha + ")");
            }
            if (arts.isEmpty()) {
                out().println("build " + build + " has no artifacts");
            }
            return 0;
        }
    }

    /** {@code packyard builds project set|list}. */
    @Command(name = "project", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
            description = "Configure build projects.",
            subcommands = {ProjectSet.class, ProjectList.class},
            footer = {"", "Examples:",
                    "  packyard builds project set notes --git https://git.example.org/notes.git",
                    "  packyard builds project list"})
    static final class Project implements Runnable {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public void run() {
            spec.commandLine().usage(spec.commandLine().getOut());
        }
    }

    /** {@code packyard builds project set}. */
    @Command(name = "set", mixinStandardHelpOptions = true, sortOptions = false, usageHelpAutoWidth = true,
            description = {"Create or replace a build project. Options left out take the server's defaults "
                    + "(target linux-x86_64, formats deb and tar.gz, 2 builds at a time, 1 hour, 10240 MB); a webhook "
                    + "secret set earlier is kept unless --webhook-secret-file gives a new one."},
            footer = {"", "Examples:",
                    "  packyard builds project set notes \\",
                    "      --git https://git.example.org/notes.git --ref main \\",
                    "      --follow main,refs/tags/v* --webhook-secret-file /etc/packyard/hook \\",
                    "      --target linux-x86_64 --target linux-aarch64 --format deb,rpm,tar.gz \\",
                    "      --build-arg=--python --build-arg=3.12 --smoke 'notes --version' \\",
                    "      --publish apps:stable",
                    "  packyard builds project set tool --git https://git.example.org/tool.git \\",
                    "      --schedule '0 3 * * *'",
                    "  packyard builds project set lib --git https://git.example.org/lib.git \\",
                    "      --format wheel,sdist --publish-index internal",
                    "  packyard builds project set lib --git https://git.example.org/lib.git \\",
                    "      --format wheel,sdist --publish-index-url https://upload.pypi.org/legacy/ \\",
                    "      --publish-index-token-file /etc/packyard/pypi-token"})
    static final class ProjectSet extends Sub {
        @Parameters(index = "0", paramLabel = "NAME", description = "The project's name (lower-case).")
        String name;

        @Option(names = "--git", required = true, paramLabel = "URL", description = "The git repository to build.")
        String git;

        @Option(names = "--ref", paramLabel = "REF", description = "Branch, tag or commit built by default (default: main).")
        String ref;

        @Option(names = "--follow", paramLabel = "REFS",
                description = "Refs whose pushes start a build (webhook), comma-separated, * wildcards: main,refs/tags/v*.")
        String follow;

        @Option(names = "--webhook-secret-file", paramLabel = "FILE", description = "File holding the GitHub webhook secret.")
        Path webhookSecretFile;

        @Option(names = "--target", paramLabel = "T", description = "A target platform (repeatable; default: linux-x86_64).")
        List<String> targets = new ArrayList<>();

        @Option(names = "--format", paramLabel = "F", description = "A package format (repeatable; default: deb, tar.gz).")
        List<String> formats = new ArrayList<>();

        @Option(names = "--build-arg", paramLabel = "A", description = "An argument for packyard build (repeatable).")
        List<String> buildArgs = new ArrayList<>();

        @Option(names = "--smoke", paramLabel = "CMD", description = "Command run after installing the package (verify step).")
        String smoke;

        @Option(names = "--publish", paramLabel = "REPO:CHANNEL", description = "Publish successful builds to this repository channel.")
        String publish;

        @Option(names = "--publish-index", paramLabel = "NAME",
                description = "Publish the build's wheel and sdist (formats wheel, sdist) to this hosted index of the server.")
        String publishIndex;

        @Option(names = "--publish-index-url", paramLabel = "URL",
                description = "Publish the build's wheel and sdist to this upstream index's upload URL (twine's protocol).")
        String publishIndexUrl;

        @Option(names = "--publish-index-token-file", paramLabel = "F",
                description = "Path ON THE SERVER of the file holding the upstream index's API token (with --publish-index-url).")
        String publishIndexTokenFile;

        @Option(names = "--schedule", paramLabel = "CRON", description = "Also build on this schedule (5-field cron, UTC).")
        String schedule;

        @Option(names = "--max-concurrent", paramLabel = "N", description = "Builds of this project at the same time.")
        Integer maxConcurrent;

        @Option(names = "--time-limit", paramLabel = "SECONDS", description = "Time limit of each step.")
        Integer timeLimit;

        @Option(names = "--disk-limit", paramLabel = "MB", description = "Disk limit of each step's workspace.")
        Integer diskLimit;

        @Override
        public Integer call() {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("name", name);
            body.put("git_url", git);
            body.put("git_ref", ref == null ? "main" : ref);
            if (follow != null) {
                body.put("follow_refs", follow);
            }
            if (webhookSecretFile != null) {
                String secret;
                try {
                    secret = Files.readString(webhookSecretFile, StandardCharsets.UTF_8).strip();
                } catch (java.io.IOException e) {
                    throw PackyardException.config("--webhook-secret-file " + webhookSecretFile + ": cannot read: " + e.getMessage());
                }
                if (secret.isEmpty() || secret.contains("\n")) {
                    throw PackyardException.config("--webhook-secret-file " + webhookSecretFile + ": expected one line holding the secret");
                }
                body.put("webhook_secret", secret);
            }
            if (!targets.isEmpty()) {
                body.put("targets", split(targets));
            }
            if (!formats.isEmpty()) {
                body.put("formats", split(formats));
            }
            body.put("build_args", List.copyOf(buildArgs));
            if (smoke != null) {
                body.put("smoke_command", smoke);
            }
            if (publish != null) {
                int colon = publish.indexOf(':');
                if (colon <= 0 || colon == publish.length() - 1) {
                    throw PackyardException.config("--publish '" + publish + "': expected REPO:CHANNEL, e.g. apps:stable");
                }
                body.put("publish_repo", publish.substring(0, colon));
                body.put("publish_channel", publish.substring(colon + 1));
            }
            if (publishIndex != null) {
                body.put("publish_index", publishIndex);
            }
            if ((publishIndexUrl == null) != (publishIndexTokenFile == null)) {
                throw PackyardException.config("--publish-index-url and --publish-index-token-file go together");
            }
            if (publishIndexUrl != null) {
                body.put("publish_index_url", publishIndexUrl);
                body.put("publish_index_token_file", publishIndexTokenFile);
            }
            if (schedule != null) {
                body.put("schedule", schedule);
            }
            positive(body, "max_concurrent", "--max-concurrent", maxConcurrent);
            positive(body, "time_limit_seconds", "--time-limit", timeLimit);
            positive(body, "disk_limit_mb", "--disk-limit", diskLimit);
            Map<String, Object> p = obj(server.writer("builds project set").put("api/build-projects/" + BuildsClient.enc(name), body),
                    "project");
            out().println("project " + s(p, "name") + ": " + s(p, "git_url") + " " + s(p, "git_ref") + ", targets "
                    + join(p.get("targets")) + ", formats " + join(p.get("formats"))
                    + (s(p, "publish_repo").isEmpty() ? "" : ", publishes to " + s(p, "publish_repo") + ":" + s(p, "publish_channel"))
                    + (s(p, "publish_index").isEmpty() ? "" : ", publishes to index " + s(p, "publish_index"))
                    + (s(p, "publish_index_url").isEmpty() ? "" : ", publishes to " + s(p, "publish_index_url")));
            return 0;
        }

        private static List<String> split(List<String> values) {
            List<String> out = new ArrayList<>();
            for (String v : values) {
                for (String x : v.split(",")) {
                    if (!x.isBlank()) {
                        out.add(x.strip());
                    }
                }
            }
            return out;
        }

        private static void positive(Map<String, Object> body, String key, String option, Integer v) {
            if (v == null) {
                return;
            }
            if (v < 1) {
                throw PackyardException.config(option + ": expected a positive number, got " + v);
            }
            body.put(key, v);
        }
    }

    static String join(Object list) {
        return list instanceof List<?> l ? String.join(",", l.stream().map(String::valueOf).toList()) : "-";
    }

    /** {@code packyard builds project list}. */
    @Command(name = "list", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
            description = "List build projects.",
            footer = {"", "Examples:", "  packyard builds project list", "  packyard builds project list --json"})
    static final class ProjectList extends Sub {
        @Option(names = "--json", description = "Print the server's JSON array.")
        boolean json;

        @Override
        public Integer call() {
            Object v = server.client().get("api/build-projects");
            List<Map<String, Object>> ps = objs(v, "projects");
            if (json) {
                out().println(json(v));
                return 0;
            }
            if (ps.isEmpty()) {
                out().println("no build projects (packyard builds project set NAME --git URL)");
                return 0;
            }
            List<String[]> rows = new ArrayList<>();
            rows.add(new String[] {"PROJECT", "GIT", "REF", "TARGETS", "FORMATS", "PUBLISH", "SCHEDULE"});
            for (Map<String, Object> p : ps) {
                rows.add(new String[] {s(p, "name"), s(p, "git_url").isEmpty() ? "-" : s(p, "git_url"),
                        s(p, "git_ref").isEmpty() ? "-" : s(p, "git_ref"), join(p.get("targets")), join(p.get("formats")),
                        s(p, "publish_repo").isEmpty() ? "-" : s(p, "publish_repo") + ":" + s(p, "publish_channel"),
                        s(p, "schedule").isEmpty() ? "-" : s(p, "schedule")});
            }
            table(out(), rows);
            return 0;
        }
    }
}

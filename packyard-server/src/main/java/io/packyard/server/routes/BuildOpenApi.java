package io.packyard.server.routes;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The OpenAPI 3.1 description of the build service's API ({@code GET /api/openapi.json}),
 * kept next to the routes it describes ({@link BuildRoutes}, {@link WorkerRoutes},
 * {@link WebhookRoutes}); a test checks that every registered build route is in it.
 */
public final class BuildOpenApi {

    private BuildOpenApi() {}

    private static Map<String, Object> map(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    private static Map<String, Object> ref(String schema) {
        return map("$ref", "#/components/schemas/" + schema);
    }

    private static Map<String, Object> json(Object schema) {
        return map("content", map("application/json", map("schema", schema)));
    }

    private static Map<String, Object> op(String summary, boolean auth, List<Object> params, Object body,
            Map<String, Object> responses) {
        Map<String, Object> m = map("summary", summary);
        if (!params.isEmpty()) {
            m.put("parameters", params);
        }
        if (body != null) {
            m.put("requestBody", body);
        }
        m.put("responses", responses);
        if (auth) {
            m.put("security", List.of(map("token", List.of()), map("bearer", List.of())));
        }
        return m;
    }

    private static Map<String, Object> path(String name) {
        return map("name", name, "in", "path", "required", true, "schema", map("type", "string"));
    }

    private static Map<String, Object> query(String name, String type) {
        return map("name", name, "in", "query", "required", false, "schema", map("type", type));
    }

    private static Map<String, Object> header(String name) {
        return map("name", name, "in", "header", "required", true, "schema", map("type", "string"));
    }

    private static Map<String, Object> ok(String description, Object content) {
        Map<String, Object> m = map("description", description);
        if (content instanceof Map<?, ?> c) {
            @SuppressWarnings("unchecked")
            Map<String, Object> cm = (Map<String, Object>) c;
            m.putAll(cm);
        }
        return m;
    }

    private static final Map<String, Object> ERRORS = map(
            "400", ok("bad request", json(ref("Error"))),
            "401", ok("no or bad token", json(ref("Error"))),
            "403", ok("token not allowed", json(ref("Error"))),
            "404", ok("not found", json(ref("Error"))));

    private static Map<String, Object> responses(Object... kv) {
        Map<String, Object> m = map(kv);
        ERRORS.forEach(m::putIfAbsent);
        return m;
    }

    private static Map<String, Object> strings() {
        return map("type", "array", "items", map("type", "string"));
    }

    private static Map<String, Object> nullable(String type) {
        return map("type", List.of(type, "null"));
    }

    /** The document. */
    public static Map<String, Object> document() {
        Map<String, Object> paths = new LinkedHashMap<>();
        Map<String, Object> binary = map("content", map("application/octet-stream", map("schema",
                map("type", "string", "format", "binary"))));
        List<Object> id = List.of(path("id"));
        List<Object> lease = List.of(path("id"), header("X-Packyard-Lease"));
        List<Object> leaseFile = List.of(path("id"), path("filename"), header("X-Packyard-Lease"));

        paths.put("/api/openapi.json", map("get", op("This description", false, List.of(), null,
                responses("200", ok("OpenAPI 3.1", json(map("type", "object")))))));
        paths.put("/api/build-projects", map("get", op("List build projects", false, List.of(), null,
                responses("200", ok("projects", json(map("type", "array", "items", ref("Project"))))))));
        paths.put("/api/build-projects/{name}", map("put", op("Create or update a build project", true,
                List.of(path("name")), json(ref("ProjectSettings")), responses("200", ok("the project", json(ref("Project")))))));
        paths.put("/api/builds", map(
                "get", op("List builds, newest first", false, List.of(query("project", "string"), query("limit", "integer")),
                        null, responses("200", ok("builds", json(map("type", "array", "items", ref("Build")))))),
                "post", op("Start a build from git", true, List.of(), json(ref("BuildRequest")),
                        responses("201", ok("the build", json(ref("BuildDetail")))))));
        paths.put("/api/builds/upload", map("post", op("Start a build from an uploaded source archive", true, List.of(),
                map("content", map("multipart/form-data", map("schema", map("type", "object",
                        "required", List.of("project", "source"),
                        "properties", map("project", map("type", "string"), "priority", map("type", "integer"),
                                "source", map("type", "string", "format", "binary")))))),
                responses("201", ok("the build", json(ref("BuildDetail"))), "413", ok("too large", json(ref("Error")))))));
        paths.put("/api/builds/{id}", map("get", op("A build with its jobs and artifacts", false, id, null,
                responses("200", ok("the build", json(ref("BuildDetail")))))));
        paths.put("/api/builds/{id}/cancel", map("post", op("Cancel a build", true, id, null,
                responses("200", ok("the build", json(ref("BuildDetail"))), "409", ok("already finished", json(ref("Error")))))));
        paths.put("/api/builds/{id}/rerun", map("post", op("Build the same source again", true, id, null,
                responses("201", ok("the new build", json(ref("BuildDetail")))))));
        paths.put("/api/builds/{id}/artifacts", map("get", op("A build's artifacts", false, id, null,
                responses("200", ok("artifacts", json(map("type", "array", "items", ref("Artifact"))))))));
        paths.put("/api/builds/{id}/artifacts/{filename}", map("get", op("Download an artifact", false,
                List.of(path("id"), path("filename")), null, responses("200", ok("the file", binary)))));
        paths.put("/api/builds/{id}/log", map("get", op("A build's log after a chunk id", false,
                List.of(path("id"), query("after", "integer")), null, responses("200", ok("log chunks", json(ref("Log")))))));
        paths.put("/api/builds/{id}/log/stream", map("get", op("The log as server-sent events (log, end)", false,
                List.of(path("id"), query("after", "integer")), null,
                responses("200", ok("text/event-stream", map("content", map("text/event-stream",
                        map("schema", map("type", "string")))))))));
        paths.put("/hooks/github", map("post", op("GitHub push and tag events (X-Hub-Signature-256)", false,
                List.of(header("X-GitHub-Event"), header("X-Hub-Signature-256")), json(map("type", "object")),
                responses("202", ok("builds started", json(map("type", "object", "properties",
                        map("builds", map("type", "array", "items", map("type", "integer"))))))))));
        paths.put("/api/worker/claim", map("post", op("Claim a job (workers)", true, List.of(),
                json(map("type", "object", "required", List.of("queues"), "properties", map("queues", strings(),
                        "worker", map("type", "string"), "lease_seconds", map("type", "integer")))),
                responses("200", ok("a job and its lease", json(ref("ClaimedJob"))), "204", ok("nothing to do", null)))));
        paths.put("/api/worker/jobs/{id}/heartbeat", map("post", op("Extend the lease", true, lease, null,
                responses("200", ok("ok, cancelled or lost", json(map("type", "object", "properties",
                        map("state", map("type", "string", "enum", List.of("ok", "cancelled", "lost"))))))))));
        paths.put("/api/worker/jobs/{id}/log", map("post", op("Append to the build log", true, lease,
                map("content", map("text/plain", map("schema", map("type", "string")))),
                responses("204", ok("appended", null), "409", ok("lease not held", json(ref("Error")))))));
        paths.put("/api/worker/jobs/{id}/source", map("get", op("The build's source .tar.gz", true, lease, null,
                responses("200", ok("the archive", binary), "409", ok("lease not held", json(ref("Error")))))));
        paths.put("/api/worker/jobs/{id}/artifacts", map("get", op("The build's artifacts so far", true, lease, null,
                responses("200", ok("artifacts", json(map("type", "array", "items", ref("Artifact"))))))));
        paths.put("/api/worker/jobs/{id}/artifacts/{filename}", map(
                "get", op("Download an artifact of the build", true, leaseFile, null, responses("200", ok("the file", binary))),
                "put", op("Upload an artifact under the lease", true, leaseFile, binary,
                        responses("201", ok("stored", json(ref("Artifact"))), "409", ok("lease not held", json(ref("Error")))))));
        paths.put("/api/worker/jobs/{id}/complete", map("post", op("Report the attempt's outcome", true, lease,
                json(map("type", "object", "required", List.of("outcome"), "properties", map(
                        "outcome", map("type", "string", "enum", List.of("succeeded", "failed", "infra_error")),
                        "message", map("type", "string")))),
                responses("200", ok("accepted unless the lease was lost", json(map("type", "object", "properties",
                        map("accepted", map("type", "boolean")))))))));

        Map<String, Object> schemas = new LinkedHashMap<>();
        schemas.put("Error", map("type", "object", "properties", map("error", map("type", "string"))));
        schemas.put("ProjectSettings", map("type", "object", "properties", map(
                "git_url", map("type", "string"), "git_ref", map("type", "string"), "follow_refs", map("type", "string"),
                "webhook_secret", map("type", "string"), "targets", strings(), "formats", strings(),
                "build_args", strings(), "smoke_command", map("type", "string"), "publish_repo", map("type", "string"),
                "publish_channel", map("type", "string"),
                "publish_index", map("type", "string", "description", "a hosted index of this server that gets the"
                        + " build's wheel and sdist"),
                "publish_index_url", map("type", "string", "description", "an upstream index's upload URL (twine's"
                        + " legacy protocol) that gets the build's wheel and sdist"),
                "publish_index_token_file", map("type", "string", "description", "path of a file on the server holding"
                        + " the upstream index's API token (the token never goes through the API)"),
                "schedule", map("type", "string", "description", "cron, UTC"),
                "max_concurrent", map("type", "integer"), "time_limit_seconds", map("type", "integer"),
                "disk_limit_mb", map("type", "integer"))));
        schemas.put("Project", map("allOf", List.of(ref("ProjectSettings"), map("type", "object", "properties", map(
                "name", map("type", "string"), "has_webhook_secret", map("type", "boolean"),
                "next_scheduled_at", nullable("string"))))));
        schemas.put("BuildRequest", map("type", "object", "required", List.of("project"), "properties", map(
                "project", map("type", "string"), "ref", map("type", "string"), "git_url", map("type", "string"),
                "priority", map("type", "integer"), "not_before", map("type", "string", "format", "date-time"))));
        schemas.put("Build", map("type", "object", "properties", map(
                "id", map("type", "integer"), "project", map("type", "string"),
                "state", map("type", "string", "enum", List.of("queued", "running", "succeeded", "failed", "cancelled")),
                "trigger", map("type", "string"), "git_url", nullable("string"), "git_ref", nullable("string"),
                "git_commit", nullable("string"), "source_name", nullable("string"), "priority", map("type", "integer"),
                "error", nullable("string"), "rerun_of", nullable("integer"), "created_at", map("type", "string"),
                "not_before", map("type", "string"), "started_at", nullable("string"), "finished_at", nullable("string"),
                "duration_seconds", nullable("number"), "url", map("type", "string"), "ui", map("type", "string"))));
        schemas.put("Job", map("type", "object", "properties", map(
                "id", map("type", "integer"), "step", map("type", "string", "enum", List.of("source", "build", "verify", "publish")),
                "target", nullable("string"), "queue", map("type", "string"),
                "state", map("type", "string", "enum", List.of("waiting", "queued", "running", "succeeded", "failed", "cancelled", "skipped")),
                "attempt", map("type", "integer"), "max_attempts", map("type", "integer"), "worker", nullable("string"),
                "error", nullable("string"), "not_before", map("type", "string"), "started_at", nullable("string"),
                "finished_at", nullable("string"))));
        schemas.put("Artifact", map("type", "object", "properties", map(
                "id", map("type", "integer"), "build_id", map("type", "integer"), "job_id", map("type", "integer"),
                "filename", map("type", "string"), "target", nullable("string"), "sha256", map("type", "string"),
                "size", map("type", "integer"), "created_at", map("type", "string"), "url", map("type", "string"))));
        schemas.put("BuildDetail", map("allOf", List.of(ref("Build"), map("type", "object", "properties", map(
                "jobs", map("type", "array", "items", ref("Job")),
                "artifacts", map("type", "array", "items", ref("Artifact")))))));
        schemas.put("Log", map("type", "object", "properties", map(
                "chunks", map("type", "array", "items", map("type", "object", "properties", map(
                        "id", map("type", "integer"), "at", map("type", "string"), "job_id", nullable("integer"),
                        "text", map("type", "string")))),
                "next", map("type", "integer"), "finished", map("type", "boolean"), "state", map("type", "string"))));
        schemas.put("ClaimedJob", map("type", "object", "properties", map(
                "job_id", map("type", "integer"), "lease_id", map("type", "string"), "lease_seconds", map("type", "integer"),
                "attempt", map("type", "integer"), "build_id", map("type", "integer"), "project", map("type", "string"),
                "step", map("type", "string"), "target", nullable("string"), "formats", strings(), "build_args", strings(),
                "smoke_command", nullable("string"), "time_limit_seconds", map("type", "integer"),
                "disk_limit_mb", map("type", "integer"))));

        return map(
                "openapi", "3.1.0",
                "info", map("title", "Packyard build service", "version", "1",
                        "description", "Builds, their logs and artifacts; the worker protocol; the GitHub webhook."),
                "paths", paths,
                "components", map("schemas", schemas, "securitySchemes", map(
                        "token", map("type", "http", "scheme", "basic",
                                "description", "user __token__, password an API token (packyard token create)"),
                        "bearer", map("type", "http", "scheme", "bearer"))));
    }
}

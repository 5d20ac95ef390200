package io.packyard.server.routes;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.packyard.builds.BuildRequest;
import io.packyard.builds.BuildService;
import io.packyard.builds.model.Build;
import io.packyard.builds.model.BuildProject;
import io.packyard.builds.webhook.GitHubWebhook;
import io.packyard.python.PackyardException;
import io.packyard.server.http.HttpError;
import io.packyard.server.http.Responses;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * {@code POST /hooks/github}: GitHub-compatible push and tag events. A project follows a
 * repository when it has a webhook secret, its git URL is one of the event's repository URLs and
 * the pushed ref matches its follow list (default: its own branch). The
 * {@code X-Hub-Signature-256} HMAC must verify with that project's secret; each following
 * project gets a build of the pushed commit.
 */
public final class WebhookRoutes {

    private final BuildService builds;

    WebhookRoutes(BuildService builds) {
        this.builds = builds;
    }

    public void register(RoutesConfig r) {
        r.post("/hooks/github", this::github);
    }

    /** A git URL reduced to compare equal across its spellings (case of the host, .git suffix, trailing slash). */
    static String canonical(String url) {
        String u = url.strip();
        while (u.endsWith("/")) {
            u = u.substring(0, u.length() - 1);
        }
        if (u.endsWith(".git")) {
            u = u.substring(0, u.length() - 4);
        }
        int scheme = u.indexOf("://");
        if (scheme > 0) {
            int slash = u.indexOf('/', scheme + 3);
            String head = slash < 0 ? u : u.substring(0, slash);
            u = head.toLowerCase(Locale.ROOT) + (slash < 0 ? "" : u.substring(slash));
        }
        return u;
    }

    private void github(Context ctx) {
        byte[] body = ctx.bodyAsBytes();
        String event = ctx.header("X-GitHub-Event");
        if (event == null) {
            throw HttpError.badRequest("not a GitHub webhook: no X-GitHub-Event header");
        }
        Optional<GitHubWebhook.PushEvent> parsed;
        try {
            parsed = GitHubWebhook.parse(event, body);
        } catch (PackyardException e) {
            throw HttpError.badRequest(e.getMessage());
        }
        if (parsed.isEmpty()) {
            Responses.json(ctx, 200, Map.of("ignored", event));
            return;
        }
        GitHubWebhook.PushEvent push = parsed.get();
        List<String> urls = push.repositoryUrls().stream().map(WebhookRoutes::canonical).toList();
        String signature = ctx.header("X-Hub-Signature-256");
        List<BuildProject> following = new ArrayList<>();
        for (BuildProject p : builds.projects()) {
            if (p.gitUrl().isEmpty() || p.webhookSecret().isEmpty() || !urls.contains(canonical(p.gitUrl().get()))) {
                continue;
            }
            String follow = p.followRefs().orElse(p.gitRef().orElse("main"));
            if (GitHubWebhook.refMatches(push.ref(), follow)) {
                following.add(p);
            }
        }
        List<BuildProject> verified = following.stream()
                .filter(p -> GitHubWebhook.signatureValid(body, signature, p.webhookSecret().get())).toList();
        if (!following.isEmpty() && verified.isEmpty()) {
            throw new HttpError(401, "X-Hub-Signature-256 does not verify with the webhook secret of "
                    + String.join(", ", following.stream().map(BuildProject::name).toList()));
        }
        List<Long> started = new ArrayList<>();
        for (BuildProject p : verified) {
            Build b = builds.submit(new BuildRequest(p.name(), new BuildRequest.Git(p.gitUrl(), Optional.of(push.commit())),
                    "webhook", 0, Optional.empty()));
            builds.appendLog(b.id(), Optional.empty(), "webhook: push of " + push.ref() + " (" + push.commit() + ")\n");
            started.add(b.id());
        }
        Responses.json(ctx, 202, Map.of("builds", started));
    }
}

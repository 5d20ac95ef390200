package io.packyard.server.routes;

import io.javalin.config.RoutesConfig;
import io.packyard.repository.Repository;

/**
 * Every route of the server, registered in one place. Each area is one class: {@link AdminRoutes}
 * ({@code /api/}), {@link SimpleRoutes} ({@code /<index>/simple/}), {@link FileRoutes}
 * ({@code /<index>/files/}), {@link UploadRoutes} ({@code POST /<index>/}); {@link Guard} holds the
 * checks they start with, {@link PageCache} the rendered pages they share.
 */
public final class Routes {

    private Routes() {}

    public static void register(RoutesConfig r, Repository repo, io.packyard.builds.BuildService builds, PageCache pages) {
        Guard guard = new Guard(repo);
        new AdminRoutes(repo, guard, pages).register(r);
        new SimpleRoutes(repo, guard, pages).register(r);
        new FileRoutes(repo, guard).register(r);
        new UploadRoutes(repo, guard, pages).register(r);
        new LinuxRepositoryRoutes(repo, guard).register(r);
        new BuildRoutes(builds, guard).register(r);
        new WorkerRoutes(builds, guard).register(r);
        new WebhookRoutes(builds).register(r);
        new BuildUiRoutes(builds, guard).register(r);
    }
}

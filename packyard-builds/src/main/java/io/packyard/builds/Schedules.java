package io.packyard.builds;

import io.packyard.builds.model.BuildProject;
import io.packyard.builds.schedule.Cron;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Scheduled builds: a project with a cron expression (evaluated in UTC) gets a build each time
 * it comes due. Several server nodes may tick at once: the project's next run time is advanced
 * with a compare-and-set, so each due time starts exactly one build.
 */
public final class Schedules {

    private final BuildService service;

    public Schedules(BuildService service) {
        this.service = service;
    }

    /** The first time after {@code after} that {@code cron} fires (UTC). */
    public static Instant nextRun(String cron, Instant after) {
        return Cron.parse(cron).next(after.atZone(ZoneOffset.UTC)).toInstant();
    }

    /** Starts the builds that are due; returns them. */
    public List<Long> tick() {
        Instant now = service.repository().clock().instant();
        List<Long> started = new ArrayList<>();
        for (BuildProject p : service.projects()) {
            if (p.scheduleCron().isEmpty() || p.nextScheduledAt().isEmpty() || p.nextScheduledAt().get().isAfter(now)) {
                continue;
            }
            Instant due = p.nextScheduledAt().get();
            Instant next = nextRun(p.scheduleCron().get(), now);
            int n = service.repository().database().jdbi().withHandle(h -> h.createUpdate(
                            "UPDATE build_project SET next_scheduled_at = :next WHERE id = :id AND next_scheduled_at = :due")
                    .bind("next", next.toEpochMilli()).bind("id", p.id()).bind("due", due.toEpochMilli()).execute());
            if (n == 1 && (p.gitUrl().isPresent())) {
                started.add(service.submit(new BuildRequest(p.name(), BuildRequest.Git.projectDefault(), "schedule", 0,
                        Optional.empty())).id());
            }
        }
        return started;
    }
}

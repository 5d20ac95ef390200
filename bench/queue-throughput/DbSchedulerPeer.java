import com.github.kagkarlsson.scheduler.Scheduler;
import com.github.kagkarlsson.scheduler.SchedulerClient;
import com.github.kagkarlsson.scheduler.task.helper.OneTimeTask;
import com.github.kagkarlsson.scheduler.task.helper.Tasks;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The db-scheduler side of bench/queue-throughput.sh (optional; compiled by the script with javac
 * against db-scheduler's jar, which the project does not depend on). Called by
 * io.packyard.builds.bench.QueueBench through reflection: {@link #run} schedules JOBS one-time
 * no-op executions (untimed), then starts a db-scheduler with WORKERS threads, polling with
 * lock-and-fetch (PostgreSQL's {@code FOR UPDATE SKIP LOCKED}, in batches) every 10 ms, and
 * returns the nanoseconds from start() until the last execution has run. Its connection pool is
 * HikariCP with 16 connections, like Packyard's.
 */
public final class DbSchedulerPeer {

    private DbSchedulerPeer() {
    }

    public static long run(String jdbcUrl, int jobs, int workers) throws Exception {
        HikariConfig cfg = new HikariConfig();
        cfg.setJdbcUrl(jdbcUrl);
        cfg.setMaximumPoolSize(16);
        try (HikariDataSource ds = new HikariDataSource(cfg)) {
            try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
                // db-scheduler's PostgreSQL table (its postgresql_tables.sql)
                s.execute("create table scheduled_tasks (task_name text not null, task_instance text not null,"
                        + " task_data bytea, execution_time timestamp with time zone not null, picked BOOLEAN not null,"
                        + " picked_by text, last_success timestamp with time zone, last_failure timestamp with time zone,"
                        + " consecutive_failures INT, last_heartbeat timestamp with time zone, version BIGINT not null,"
                        + " priority SMALLINT, PRIMARY KEY (task_name, task_instance))");
                s.execute("CREATE INDEX execution_time_idx ON scheduled_tasks (execution_time)");
                s.execute("CREATE INDEX last_heartbeat_idx ON scheduled_tasks (last_heartbeat)");
                s.execute("CREATE INDEX priority_execution_time_idx on scheduled_tasks (priority desc, execution_time asc)");
            }
            CountDownLatch done = new CountDownLatch(jobs);
            OneTimeTask<Void> task = Tasks.oneTime("noop").execute((instance, ctx) -> done.countDown());
            SchedulerClient client = SchedulerClient.Builder.create(ds, task).build();
            Instant due = Instant.now().minusSeconds(1);
            for (int i = 0; i < jobs; i++) {
                client.schedule(task.instance("job-" + i), due);
            }
            try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
                s.execute("ANALYZE scheduled_tasks");
            }
            Scheduler scheduler = Scheduler.create(ds, task).threads(workers).pollingInterval(Duration.ofMillis(10))
                    .pollUsingLockAndFetch(0.5, 1.0).build();
            long t0 = System.nanoTime();
            scheduler.start();
            boolean ok = done.await(10, TimeUnit.MINUTES);
            long wall = System.nanoTime() - t0;
            scheduler.stop();
            if (!ok) {
                throw new IllegalStateException("db-scheduler ran " + (jobs - done.getCount()) + " of " + jobs + " jobs in 10 min");
            }
            return wall;
        }
    }
}

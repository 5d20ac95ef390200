package io.packyard.builds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.packyard.builds.model.Build;
import io.packyard.builds.model.BuildState;
import io.packyard.builds.model.Job;
import io.packyard.builds.model.JobState;
import io.packyard.builds.model.Step;
import io.packyard.builds.queue.ClaimedJob;
import io.packyard.builds.queue.Heartbeat;
import io.packyard.builds.queue.Outcome;
import io.packyard.builds.queue.RetryPolicy;
import io.packyard.repository.Repository;
import io.packyard.testkit.SettableClock;
import io.packyard.testkit.TestPostgres;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/** The queue's rules on both databases: stages, leases, retries, exactly-once completion, limits. */
@Tag("system")
class BuildServiceTest {

    private static final Duration LEASE = Duration.ofSeconds(30);
    private static TestPostgres postgres;

    @TempDir
    Path dir;

    private final SettableClock clock = new SettableClock(Instant.parse("2026-11-21T10:00:00Z"));
    private Repository repo;
    private BuildService service;

    static synchronized String databaseUrl(String backend) {
        if (backend.equals("h2")) {
            return null;
        }
        if (postgres == null) {
            postgres = TestPostgres.start();
        }
        return postgres.createDatabase("builds");
    }

    @AfterAll
    static void stopPostgres() {
        if (postgres != null) {
            postgres.close();
            postgres = null;
        }
    }

    @AfterEach
    void close() {
        if (repo != null) {
            repo.close();
        }
    }

    private void open(String backend) {
        repo = Repository.builder().dataDir(dir.resolve("data")).databaseUrl(databaseUrl(backend)).clock(clock).build();
        service = new BuildService(repo, new RetryPolicy(3, Duration.ofSeconds(10), Duration.ofMinutes(5)));
    }

    private ProjectSpec.Builder project(String name) {
        return ProjectSpec.builder(name).git("file:///nowhere/" + name + ".git", "main");
    }

    private ClaimedJob claimOne(String queue) {
        return service.claim(List.of(queue), "w1", LEASE).orElseThrow(() -> new AssertionError("nothing to claim on " + queue));
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgresql"})
    void stagesRunInOrderAndTheBuildSucceedsWithItsArtifacts(String backend) throws Exception {
        open(backend);
        service.saveProject(project("app").smokeCommand("app --version").publishTo("apps", "stable").build());
        Build b = service.submit(BuildRequest.of("app", BuildRequest.Git.projectDefault()));
        assertThat(service.jobs(b.id())).extracting(Job::step)
                .containsExactly(Step.SOURCE, Step.BUILD, Step.VERIFY, Step.PUBLISH);
        // the build job waits for the source step
        assertThat(service.claim(List.of("linux-x86_64"), "w1", LEASE)).isEmpty();
        ClaimedJob source = claimOne(Step.SERVER_QUEUE);
        assertThat(source.step()).isEqualTo(Step.SOURCE);
        assertThat(service.requireBuild(b.id()).state()).isEqualTo(BuildState.RUNNING);
        assertThat(service.claim(List.of("linux-x86_64", Step.SERVER_QUEUE), "w1", LEASE)).isEmpty();
        assertThat(service.complete(source.jobId(), source.leaseId(), Outcome.SUCCEEDED, "")).isTrue();

        ClaimedJob build = claimOne("linux-x86_64");
        assertThat(build.step()).isEqualTo(Step.BUILD);
        assertThat(build.target()).contains("linux-x86_64");
        assertThat(build.formats()).containsExactly("deb", "tar.gz");
        service.addArtifact(build.jobId(), build.leaseId(), "app_1.0_amd64.deb", bytes("deb"));
        assertThat(service.artifacts(b.id())).as("not the build's until the job completes").isEmpty();
        assertThat(service.complete(build.jobId(), build.leaseId(), Outcome.SUCCEEDED, "")).isTrue();
        assertThat(service.artifacts(b.id())).singleElement().satisfies(a -> {
            assertThat(a.filename()).isEqualTo("app_1.0_amd64.deb");
            assertThat(a.target()).contains("linux-x86_64");
            assertThat(a.size()).isEqualTo(3);
        });

        ClaimedJob verify = claimOne("linux-x86_64");
        assertThat(verify.step()).isEqualTo(Step.VERIFY);
        assertThat(verify.smokeCommand()).contains("app --version");
        service.complete(verify.jobId(), verify.leaseId(), Outcome.SUCCEEDED, "");
        ClaimedJob publish = claimOne(Step.SERVER_QUEUE);
        assertThat(publish.step()).isEqualTo(Step.PUBLISH);
        service.complete(publish.jobId(), publish.leaseId(), Outcome.SUCCEEDED, "");
        Build done = service.requireBuild(b.id());
        assertThat(done.state()).isEqualTo(BuildState.SUCCEEDED);
        assertThat(done.finishedAt()).isPresent();
        assertThat(service.logText(b.id())).contains("build queued", "== build linux-x86_64: succeeded", "build succeeded");
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgresql"})
    void aLostWorkersJobRunsAgainAfterBackoffAndOnlyTheCompletingAttemptKeepsArtifacts(String backend) throws Exception {
        open(backend);
        service.saveProject(project("app").build());
        Build b = service.submit(BuildRequest.of("app", BuildRequest.Git.projectDefault()));
        ClaimedJob source = claimOne(Step.SERVER_QUEUE);
        service.complete(source.jobId(), source.leaseId(), Outcome.SUCCEEDED, "");
        ClaimedJob first = claimOne("linux-x86_64");
        service.addArtifact(first.jobId(), first.leaseId(), "app.deb", bytes("first"));
        clock.advance(Duration.ofSeconds(20));
        assertThat(service.heartbeat(first.jobId(), first.leaseId())).isEqualTo(Heartbeat.OK);
        clock.advance(Duration.ofSeconds(29));
        assertThat(service.reapExpiredLeases()).as("the heartbeat extended the lease").isZero();
        clock.advance(Duration.ofSeconds(2));
        assertThat(service.reapExpiredLeases()).isEqualTo(1);
        Job requeued = service.jobs(b.id()).get(1);
        assertThat(requeued.state()).isEqualTo(JobState.QUEUED);
        assertThat(requeued.error()).hasValueSatisfying(e -> assertThat(e).contains("w1", "lease expired"));
        assertThat(service.claim(List.of("linux-x86_64"), "w2", LEASE)).as("backoff: not yet").isEmpty();
        clock.advance(Duration.ofSeconds(10));
        ClaimedJob second = service.claim(List.of("linux-x86_64"), "w2", LEASE).orElseThrow();
        assertThat(second.jobId()).isEqualTo(first.jobId());
        assertThat(second.attempt()).isEqualTo(2);
        // the first worker comes back: everything it says is refused
        assertThat(service.heartbeat(first.jobId(), first.leaseId())).isEqualTo(Heartbeat.LOST);
        assertThatThrownBy(() -> service.addArtifact(first.jobId(), first.leaseId(), "late.deb", bytes("late")))
                .isInstanceOf(BuildService.LeaseLostException.class);
        assertThat(service.complete(first.jobId(), first.leaseId(), Outcome.SUCCEEDED, "")).isFalse();
        service.addArtifact(second.jobId(), second.leaseId(), "app.deb", bytes("second"));
        assertThat(service.complete(second.jobId(), second.leaseId(), Outcome.SUCCEEDED, "")).isTrue();
        assertThat(service.artifacts(b.id())).singleElement().satisfies(a -> assertThat(a.size()).isEqualTo(6));
        assertThat(service.requireBuild(b.id()).state()).isEqualTo(BuildState.SUCCEEDED);
        assertThat(service.logText(b.id())).contains("retrying in 10 s");
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgresql"})
    void aBuildFailureFailsAtOnceAndInfrastructureFaultsRetryUpToTheLimit(String backend) {
        open(backend);
        service.saveProject(project("app").smokeCommand("app").build());
        Build failing = service.submit(BuildRequest.of("app", BuildRequest.Git.projectDefault()));
        ClaimedJob s = claimOne(Step.SERVER_QUEUE);
        service.complete(s.jobId(), s.leaseId(), Outcome.SUCCEEDED, "");
        ClaimedJob b = claimOne("linux-x86_64");
        service.complete(b.jobId(), b.leaseId(), Outcome.FAILED, "packyard build failed (exit 1): no wheel for foo");
        Build f = service.requireBuild(failing.id());
        assertThat(f.state()).isEqualTo(BuildState.FAILED);
        assertThat(f.error()).hasValueSatisfying(e -> assertThat(e).isEqualTo(
                "build linux-x86_64: packyard build failed (exit 1): no wheel for foo"));
        assertThat(service.jobs(failing.id())).extracting(Job::state)
                .containsExactly(JobState.SUCCEEDED, JobState.FAILED, JobState.SKIPPED);
        assertThat(service.jobs(failing.id()).get(1).attempt()).isEqualTo(1);

        Build flaky = service.submit(BuildRequest.of("app", BuildRequest.Git.projectDefault()));
        for (int attempt = 1; attempt <= 3; attempt++) {
            ClaimedJob j = claimOne(Step.SERVER_QUEUE);
            assertThat(j.attempt()).isEqualTo(attempt);
            service.complete(j.jobId(), j.leaseId(), Outcome.INFRA_ERROR, "disk full");
            clock.advance(Duration.ofMinutes(1));
        }
        Build gaveUp = service.requireBuild(flaky.id());
        assertThat(gaveUp.state()).isEqualTo(BuildState.FAILED);
        assertThat(gaveUp.error()).hasValueSatisfying(e -> assertThat(e).contains("gave up after 3 attempts: disk full"));
        assertThat(service.logText(flaky.id())).contains("retrying in 10 s", "retrying in 20 s");
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgresql"})
    void cancelStopsRunningJobsAndRefusesTheirResult(String backend) throws Exception {
        open(backend);
        service.saveProject(project("app").build());
        Build b = service.submit(BuildRequest.of("app", BuildRequest.Git.projectDefault()));
        ClaimedJob s = claimOne(Step.SERVER_QUEUE);
        assertThat(service.cancel(b.id(), "alice")).isTrue();
        assertThat(service.heartbeat(s.jobId(), s.leaseId())).isEqualTo(Heartbeat.CANCELLED);
        assertThat(service.complete(s.jobId(), s.leaseId(), Outcome.SUCCEEDED, "")).isFalse();
        assertThat(service.requireBuild(b.id()).state()).isEqualTo(BuildState.CANCELLED);
        assertThat(service.jobs(b.id())).extracting(Job::state).containsOnly(JobState.CANCELLED);
        assertThat(service.claim(List.of("linux-x86_64", Step.SERVER_QUEUE), "w", LEASE)).isEmpty();
        assertThat(service.cancel(b.id(), "alice")).as("already over").isFalse();
        Build again = service.rerun(b.id());
        assertThat(again.rerunOf()).contains(b.id());
        assertThat(again.gitRef()).contains("main");
        assertThat(again.state()).isEqualTo(BuildState.QUEUED);
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgresql"})
    void priorityFirstAndAProjectNeverExceedsItsConcurrencyLimit(String backend) {
        open(backend);
        service.saveProject(project("one").maxConcurrent(1).build());
        service.saveProject(project("other").build());
        List<Build> builds = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            builds.add(service.submit(BuildRequest.of("one", BuildRequest.Git.projectDefault())));
        }
        Build urgent = service.submit(BuildRequest.of("other", BuildRequest.Git.projectDefault()).withPriority(5));
        ClaimedJob first = claimOne(Step.SERVER_QUEUE);
        assertThat(first.buildId()).as("priority").isEqualTo(urgent.id());
        service.complete(first.jobId(), first.leaseId(), Outcome.SUCCEEDED, "");
        for (int i = 0; i < 2; i++) {
            ClaimedJob s = claimOne(Step.SERVER_QUEUE);
            service.complete(s.jobId(), s.leaseId(), Outcome.SUCCEEDED, "");
        }
        ClaimedJob a = claimOne("linux-x86_64");
        assertThat(a.buildId()).isEqualTo(urgent.id());
        ClaimedJob b = claimOne("linux-x86_64");
        assertThat(b.buildId()).isEqualTo(builds.get(0).id());
        assertThat(service.claim(List.of("linux-x86_64"), "w", LEASE)).as("project 'one' runs one at a time").isEmpty();
        service.complete(b.jobId(), b.leaseId(), Outcome.SUCCEEDED, "");
        assertThat(claimOne("linux-x86_64").buildId()).isEqualTo(builds.get(1).id());
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgresql"})
    void concurrentClaimsTakeEachJobExactlyOnce(String backend) throws Exception {
        open(backend);
        service.saveProject(project("many").maxConcurrent(1000).build());
        for (int i = 0; i < 40; i++) {
            service.submit(BuildRequest.of("many", BuildRequest.Git.projectDefault()));
        }
        List<Long> claimed = Collections.synchronizedList(new ArrayList<>());
        try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
            List<Future<?>> fs = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                String name = "w" + t;
                fs.add(pool.submit(() -> {
                    while (true) {
                        Optional<ClaimedJob> j = service.claim(List.of(Step.SERVER_QUEUE), name, LEASE);
                        if (j.isEmpty()) {
                            if (service.jobsIn(JobState.QUEUED).stream().noneMatch(x -> x.step() == Step.SOURCE)) {
                                return null;
                            }
                            continue;
                        }
                        claimed.add(j.get().jobId());
                        service.complete(j.get().jobId(), j.get().leaseId(), Outcome.SUCCEEDED, "");
                    }
                }));
            }
            for (Future<?> f : fs) {
                f.get();
            }
        }
        assertThat(claimed).hasSize(40).doesNotHaveDuplicates();
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2"})
    void aCronScheduleStartsOneBuildPerDueTime(String backend) {
        open(backend);
        service.saveProject(project("nightly").schedule("0 3 * * *").build());
        Schedules schedules = new Schedules(service);
        assertThat(schedules.tick()).isEmpty();
        clock.advance(Duration.ofHours(17));
        assertThat(schedules.tick()).hasSize(1);
        assertThat(schedules.tick()).as("the same due time starts one build").isEmpty();
        clock.advance(Duration.ofHours(24));
        assertThat(schedules.tick()).hasSize(1);
        assertThat(service.builds(Optional.of("nightly"), 10)).extracting(Build::trigger).containsOnly("schedule");
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2"})
    void badRequestsAreOneLineErrors(String backend) {
        open(backend);
        assertThatThrownBy(() -> service.submit(BuildRequest.of("nope", BuildRequest.Git.projectDefault())))
                .hasMessage("no build project named 'nope'");
        assertThatThrownBy(() -> ProjectSpec.builder("Bad Name").build()).hasMessageContaining("project name 'Bad Name'");
        service.saveProject(ProjectSpec.builder("nogit").build());
        assertThatThrownBy(() -> service.submit(BuildRequest.of("nogit", BuildRequest.Git.projectDefault())))
                .hasMessageContaining("has no git repository");
    }

    private static ByteArrayInputStream bytes(String s) {
        return new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8));
    }
}

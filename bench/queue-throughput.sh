#!/usr/bin/env bash
# Build-queue benchmark (build service issue): no-op jobs through Packyard's job queue
# (BuildService.claim / complete on PostgreSQL, every queue rule applied) against a plain
# `UPDATE ... WHERE id = (SELECT id ... FOR UPDATE SKIP LOCKED LIMIT 1) RETURNING id` queue, on
# the same throw-away PostgreSQL server, with the same connection pool, in one run:
#   claim latency p50 / p99 (successful claims), completion latency, jobs per second.
# Driver: io.packyard.builds.bench.QueueBench (packyard-builds, test scope; it starts the server
# with packyard-testkit's TestPostgres: initdb + pg_ctl in /tmp, fsync=off, as `nobody` when
# run as root). Runs by hand, never in CI. Offline. See docs/benchmarks.md ("Build service").
#
#   bench/queue-throughput.sh                     # 1,000 jobs, 8 workers, ROUNDS=3
#   JOBS=5000 WORKERS=16 ROUNDS=5 bench/queue-throughput.sh
#
# Environment (besides BENCH_OUT of bench/lib.sh):
#   JOBS=1000         jobs per round and side (even: Packyard's side is JOBS/2 builds of a SOURCE
#                     and a BUILD job each)
#   WORKERS=8         claiming threads per side
#   ROUNDS=3          rounds, each Packyard then the baseline on fresh databases; medians reported
#   WARMUP_JOBS=200   an untimed round of each side first (JIT, pool); 0 to skip
#   BREAKDOWN=1       then, single-threaded: a round trip, the claim's candidate query alone, a
#                     claim, a completion, and the candidate query's plan (0 to skip)
#   DB_SCHEDULER=auto also time db-scheduler (DB_SCHEDULER_VERSION, default 15.0.0) on the same
#                     server when its jar (and slf4j-api's) is in ~/.m2: lock-and-fetch polling, 10 ms,
#                     WORKERS threads (bench/queue-throughput/DbSchedulerPeer.java, compiled here with
#                     javac; Packyard does not depend on it). 0: skip; 1: fail without it. Fetch it once
#                     with: ./mvnw dependency:get -Dartifact=com.github.kagkarlsson:db-scheduler:15.0.0
#   PACKYARD_PG_BIN=DIR   PostgreSQL's initdb/pg_ctl (default: /usr/local/bin, /usr/lib/postgresql/*/bin)
#   PACKYARD_BUILD_DIR=target-bench   the Maven build directory used to compile the driver

# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

export JOBS=${JOBS:-1000} WORKERS=${WORKERS:-8} ROUNDS=${ROUNDS:-3} WARMUP_JOBS=${WARMUP_JOBS:-200}
BUILD_DIR=${PACKYARD_BUILD_DIR:-target-bench}
WORK=$OUT/queue
LOGS=$OUT/logs/queue
mkdir -p "$WORK" "$LOGS"

section "Build-queue benchmark: Packyard's BuildService vs a plain SKIP LOCKED queue (PostgreSQL)"
RUNS=$ROUNDS print_machine

section "Driver (untimed): compile and snapshot"
JAVA_HOME=$(
    # shellcheck source=/dev/null
    . "$ROOT/scripts/jdk.sh" && echo "$JAVA_HOME"
) || die "no JDK 21+ found"
(
    cd "$ROOT" && JAVA_HOME=$JAVA_HOME ./mvnw -q -B -o "-Dpackyard.build.dir=$BUILD_DIR" -pl packyard-builds -am \
        test-compile dependency:build-classpath "-Dmdep.outputFile=$WORK/deps.cp"
) >"$LOGS/driver-build.log" 2>&1 || { tail -n 30 "$LOGS/driver-build.log" >&2; die "compiling the driver failed; log: $LOGS/driver-build.log"; }
rm -rf "$WORK/driver"
mkdir -p "$WORK/driver"
driver_cp=$WORK/driver/builds-test
cp -r "$ROOT/packyard-builds/$BUILD_DIR/test-classes" "$WORK/driver/builds-test"
for m in packyard-builds packyard-repository packyard-python packyard-testkit packyard-msi; do
    cp -r "$ROOT/$m/$BUILD_DIR/classes" "$WORK/driver/$m"
    driver_cp=$driver_cp:$WORK/driver/$m
done
# third-party jars only: the sibling modules come from the snapshot above
deps=$(tr ':' '\n' <"$WORK/deps.cp" | grep -v "^$ROOT/" | grep -v '/io/packyard/' | paste -sd: -)
# db-scheduler, when its jar is at hand (offline: never downloaded here)
DB_SCHEDULER=${DB_SCHEDULER:-auto}
DB_SCHEDULER_VERSION=${DB_SCHEDULER_VERSION:-15.0.0}
peer_cp=""
if [ "$DB_SCHEDULER" != 0 ]; then
    m2=${MAVEN_REPO:-$HOME/.m2/repository}
    dbs_jar=$m2/com/github/kagkarlsson/db-scheduler/$DB_SCHEDULER_VERSION/db-scheduler-$DB_SCHEDULER_VERSION.jar
    slf4j_jar=$(tr ':' '\n' <"$WORK/deps.cp" | grep '/slf4j-api-' | head -n 1)
    if [ -f "$dbs_jar" ] && [ -n "$slf4j_jar" ]; then
        mkdir -p "$WORK/peer"
        "$JAVA_HOME/bin/javac" -d "$WORK/peer" -cp "$dbs_jar:$deps" "$BENCH_DIR/queue-throughput/DbSchedulerPeer.java" \
            >"$LOGS/peer-build.log" 2>&1 || { cat "$LOGS/peer-build.log" >&2; die "compiling DbSchedulerPeer failed"; }
        peer_cp=":$WORK/peer:$dbs_jar"
        export PEER_CLASS=DbSchedulerPeer
        say "peer:   db-scheduler $DB_SCHEDULER_VERSION ($dbs_jar)"
    elif [ "$DB_SCHEDULER" = 1 ]; then
        die "db-scheduler $DB_SCHEDULER_VERSION is not in $m2 (./mvnw dependency:get -Dartifact=com.github.kagkarlsson:db-scheduler:$DB_SCHEDULER_VERSION)"
    else
        say "peer:   db-scheduler $DB_SCHEDULER_VERSION not in $m2: skipped"
    fi
fi
say "driver: io.packyard.builds.bench.QueueBench, snapshot in $WORK/driver, java $("$JAVA_HOME/bin/java" -version 2>&1 | head -n 1)"

section "Run: $JOBS jobs, $WORKERS workers, $ROUNDS rounds (+ warm-up of $WARMUP_JOBS)"
set -o pipefail
"$JAVA_HOME/bin/java" -cp "$driver_cp:$deps$peer_cp" io.packyard.builds.bench.QueueBench 2>"$LOGS/driver.err" \
    | tee "$LOGS/result.log" || { tail -n 30 "$LOGS/driver.err" >&2; die "the driver failed; log: $LOGS/driver.err"; }
set +o pipefail
say "load:      $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15 min) at the end"

result=$(grep '^RESULT ' "$LOGS/result.log" | tail -n 1)
[ -n "$result" ] || die "no RESULT line in $LOGS/result.log"
get() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<" ${result#RESULT }"; }
section "Summary (medians over $ROUNDS rounds)"
printf '  %-30s %10s jobs/s   claim p50 %8s ms   p99 %8s ms\n' "packyard BuildService" "$(get packyard_jobs_per_s)" \
    "$(get packyard_claim_p50_ms)" "$(get packyard_claim_p99_ms)"
printf '  %-30s %10s jobs/s   claim p50 %8s ms   p99 %8s ms\n' "plain SKIP LOCKED" "$(get baseline_jobs_per_s)" \
    "$(get baseline_claim_p50_ms)" "$(get baseline_claim_p99_ms)"
say "  throughput packyard / baseline = $(get throughput_ratio)   (1.0 = as fast; < 1 = slower)"
say "  claim latency packyard / baseline: p50 $(get claim_p50_ratio)x, p99 $(get claim_p99_ratio)x"
peer=$(grep '^RESULT_PEER ' "$LOGS/result.log" | tail -n 1)
if [ -n "$peer" ]; then
    printf '  %-30s %10s jobs/s   (claims in batches: no per-claim latency)\n' "db-scheduler $DB_SCHEDULER_VERSION" \
        "$(sed -n 's/.*dbscheduler_jobs_per_s=\([^ ]*\).*/\1/p' <<<"$peer")"
    say "  throughput packyard / db-scheduler = $(sed -n 's/.*packyard_vs_dbscheduler=\([^ ]*\).*/\1/p' <<<"$peer")"
fi

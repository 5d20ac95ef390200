#!/usr/bin/env bash
# Build-service overhead benchmark (build service issue): a cold build of the reference app
# examples/hello-cli (`--target linux-x86_64 --format deb,tar.gz --python host:3.11`)
#   direct:   `packyard build` run by hand in a fresh copy of the source, with a fresh HOME
#             (so a fresh ~/.cache/packyard) and the environment the service's sandbox gives;
#   service:  the same source as a .tar.gz uploaded to a running `packyard serve` (its in-process
#             workers: the source step, then the build step, which runs the same packyard build in
#             the sandbox, `--sandbox auto`), timed from the upload request until
#             GET /api/builds/ID says succeeded (polled every POLL seconds).
# The project has no smoke command and no publish target, so the service runs source + build only.
# Runs interleaved (the order alternates from run to run); medians and the ratio are printed.
# Runs by hand, never in CI. Offline. See docs/benchmarks.md ("Build service").
#
#   bench/build-service-overhead.sh              # RUNS=3
#   RUNS=5 bench/build-service-overhead.sh
#
# Environment (besides those of bench/lib.sh: RUNS, BENCH_OUT, PACKYARD):
#   APP=DIR            the project to build (default examples/hello-cli)
#   PYTHON_SPEC=SPEC   --python of both sides (default host:3.11)
#   SANDBOX=MODE       packyard serve --sandbox (default auto: bubblewrap when it works here)
#   POLL=0.5           seconds between two status requests of the service side (the server-side
#                      figures below come from the build's own timestamps, without this granularity)
#   TARGET_OVERHEAD=1.10   the target for service / direct
# The service uses its default database (H2 in its data directory) and its default worker
# settings (one platform build at a time). Needs curl.

# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

APP=${APP:-$ROOT/examples/hello-cli}
PYTHON_SPEC=${PYTHON_SPEC:-host:3.11}
SANDBOX=${SANDBOX:-auto}
POLL=${POLL:-0.5}
TARGET_OVERHEAD=${TARGET_OVERHEAD:-1.10}
TARGET_PLATFORM=linux-x86_64
WORK=$OUT/build-service
LOGS=$OUT/logs/build-service
BUILD_ARGS=(--target "$TARGET_PLATFORM" --format "deb,tar.gz" --python "$PYTHON_SPEC")

contender direct "packyard build (direct)"
contender service "packyard serve (upload → succeeded)"

need curl "curl"
need tar "tar"
[ -f "$APP/pyproject.toml" ] || die "no pyproject.toml in $APP"
rm -rf "$WORK"
mkdir -p "$WORK" "$LOGS"

section "Build-service overhead: packyard build vs the same build through packyard serve"
print_machine
packyard_prepare

# ---- the source archive (the service's input; the direct side unpacks the same archive) -----

app_name=$(basename "$APP")
ARCHIVE=$WORK/$app_name.tar.gz
tar -C "$(dirname "$APP")" -czf "$ARCHIVE" --exclude=__pycache__ --exclude='*.egg-info' --exclude=build \
    --exclude=dist "$app_name"
say "source: $APP as $ARCHIVE ($(stat -c %s "$ARCHIVE") bytes, $(tar -tzf "$ARCHIVE" | grep -vc '/$') files)"
say "build:  packyard build ${BUILD_ARGS[*]}"

# ---- the server -------------------------------------------------------------------------------

SERVER_PID=""
stop_server() {
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill "$SERVER_PID" 2>/dev/null || true
        for _ in $(seq 1 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.2; done
        kill -0 "$SERVER_PID" 2>/dev/null && kill -9 "$SERVER_PID" 2>/dev/null
    fi
    SERVER_PID=""
}
trap stop_server EXIT

section "Service (untimed): data directory, token, packyard serve, build project"
DATA=$WORK/server-data
"${PACKYARD_CMD[@]}" index create bench --data "$DATA" >"$LOGS/setup.log" 2>&1 || { cat "$LOGS/setup.log" >&2; die "index create failed"; }
TOKEN=$("${PACKYARD_CMD[@]}" token create --data "$DATA" --user bench --index bench --permission maintain 2>>"$LOGS/setup.log") \
    || { cat "$LOGS/setup.log" >&2; die "token create failed"; }
PORT=$("$PY311" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
URL=http://127.0.0.1:$PORT
mkdir -p "$WORK/server-home"
HOME=$WORK/server-home "${PACKYARD_CMD[@]}" serve --data "$DATA" --port "$PORT" --sandbox "$SANDBOX" \
    >"$LOGS/serve.log" 2>&1 </dev/null &
SERVER_PID=$!
for _ in $(seq 1 150); do
    curl -fsS -o /dev/null "$URL/api/builds" 2>/dev/null && break
    kill -0 "$SERVER_PID" 2>/dev/null || { tail -n 20 "$LOGS/serve.log" >&2; die "packyard serve exited"; }
    sleep 0.2
done
curl -fsS -o /dev/null "$URL/api/builds" || die "packyard serve does not answer on $URL"
say "server: $URL (pid $SERVER_PID, --sandbox $SANDBOX), log $LOGS/serve.log"
grep ' worker ' "$LOGS/serve.log" | sed 's/^[^ ]* INFO /  /' || true
project_args=(--target "$TARGET_PLATFORM" --format deb --format tar.gz)
read -r -a py_args <<<"--python $PYTHON_SPEC"
for a in "${py_args[@]}"; do project_args+=("--build-arg=$a"); done
"${PACKYARD_CMD[@]}" builds project set bench-app --server "$URL" --token "$TOKEN" --git "file:///nowhere/bench-app.git" \
    "${project_args[@]}" >>"$LOGS/setup.log" 2>&1 || { tail -n 5 "$LOGS/setup.log" >&2; die "builds project set failed"; }
say "project: $(tail -n 1 "$LOGS/setup.log")"

# The same environment for the direct side as the service's sandbox gives its build: PATH, a
# fresh HOME and TMPDIR, C.UTF-8, nothing else (no SOURCE_DATE_EPOCH, no PACKYARD_* variables).
direct_build() {   # direct_build RUN
    local d=$WORK/direct-$1
    rm -rf "$d"
    mkdir -p "$d/home" "$d/tmp" "$d/out"
    tar -C "$d" -xzf "$ARCHIVE"
    cd "$d/$app_name"
    env -i PATH="$PATH" HOME="$d/home" TMPDIR="$d/tmp" LANG=C.UTF-8 LC_ALL=C.UTF-8 \
        "${PACKYARD_CMD[@]}" build "${BUILD_ARGS[@]}" --out "$d/out"
    local n
    n=$(find "$d/out" -maxdepth 1 \( -name '*.deb' -o -name '*.tar.gz' \) | wc -l)
    [ "$n" -eq 2 ] || { echo "expected a .deb and a .tar.gz in $d/out, found $n files" >&2; return 1; }
    ls -l "$d/out"
}

service_build() {   # service_build RUN: upload, then poll until the build is over
    local resp id state="" sandboxed=no
    resp=$(curl -fsS -u "__token__:$TOKEN" -F project=bench-app -F "source=@$ARCHIVE" "$URL/api/builds/upload") \
        || { echo "upload failed" >&2; return 1; }
    id=$(sed -n 's/^{"id":\([0-9]*\),.*/\1/p' <<<"$resp")
    [ -n "$id" ] || { echo "no build id in: $resp" >&2; return 1; }
    echo "build $id queued"
    while :; do
        sleep "$POLL"
        state=$(curl -fsS "$URL/api/builds/$id" | grep -o '"state":"[a-z]*"' | head -n 1 | cut -d'"' -f4)
        if [ "$sandboxed" = no ] && pgrep -a -P "$SERVER_PID" 2>/dev/null | grep -q bwrap; then
            sandboxed=yes
            echo "the build step runs in bubblewrap"
        fi
        case $state in
            succeeded) break ;;
            failed | cancelled) curl -fsS "$URL/api/builds/$id/log" >&2; echo "build $id $state" >&2; return 1 ;;
        esac
    done
    curl -fsS "$URL/api/builds/$id" >"$WORK/service-build-$1.json"
    curl -fsS "$URL/api/builds/$id/artifacts" >"$WORK/service-artifacts-$1.json" 2>/dev/null || true
    echo "build $id succeeded"
}

# service_detail RUN: the phases of the service's build, from the build's JSON (server clock); the
# last line is the service's own share: server-side total minus the build step.
service_detail() {
    "$PY311" - "$WORK/service-build-$1.json" <<'EOF'
import json, sys
from datetime import datetime
b = json.load(open(sys.argv[1]))
t = lambda s: datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()
src = [j for j in b["jobs"] if j["step"] == "source"][0]
bld = [j for j in b["jobs"] if j["step"] == "build"][0]
print("queued->source claimed %.2f s, source %.2f s, source done->build claimed %.2f s, build step %.2f s,"
      " server-side total %.2f s" % (t(src["started_at"]) - t(b["created_at"]), t(src["finished_at"]) - t(src["started_at"]),
      t(bld["started_at"]) - t(src["finished_at"]), t(bld["finished_at"]) - t(bld["started_at"]),
      t(b["finished_at"]) - t(b["created_at"])))
print("%.2f" % (t(b["finished_at"]) - t(b["created_at"]) - (t(bld["finished_at"]) - t(bld["started_at"]))))
EOF
}

section "Timed runs (interleaved; the order alternates)"
OWN=()
run_service() {
    local detail
    timed service "$1" service_build "$1"
    detail=$(service_detail "$1")
    OWN+=("$(tail -n 1 <<<"$detail")")
    say "                 server: $(head -n 1 <<<"$detail")"
}
for ((i = 1; i <= RUNS; i++)); do
    if ((i % 2 == 1)); then
        timed direct "$i" direct_build "$i"
        run_service "$i"
    else
        run_service "$i"
        timed direct "$i" direct_build "$i"
    fi
done
grep -q 'runs in bubblewrap' "$LOGS"/service-*.log && sandbox_used="bubblewrap" || sandbox_used="no bubblewrap seen"
say "service sandbox: $sandbox_used (--sandbox $SANDBOX)"
stop_server

section "Summary"
summary_row direct
read -r med smin smax < <(stats service)
printf '  %-30s median %8.2f s   (min %.2f, max %.2f, %d runs; cpu: the client only)\n' \
    "$(label_of service)" "$med" "$smin" "$smax" "$RUNS"
say "  the service's own time (server-side total minus the build step: queueing, source step, claims):" \
    "${OWN[*]} s, median $(printf '%s\n' "${OWN[@]}" | sort -g | awk '{ v[NR] = $1 } END { printf "%.2f", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }') s"
r=$(ratio "$(median service)" "$(median direct)")
say "  service / direct = $r (medians); per run: $(run_ratios service direct)"
say "  target: service <= ${TARGET_OVERHEAD}x direct: $(verdict "$r" "<=" "$TARGET_OVERHEAD")"
say "load:      $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15 min) at the end"

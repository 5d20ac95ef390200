# shellcheck shell=bash
# Shared helpers of the Packyard benchmarks (bench/build-vs-floor.sh, bench/install-vs-venv.sh).
# Sourced, not run. Bash 4+.
#
# Environment (all optional):
#   RUNS=N          timed runs of each contender (default 3); the median is reported
#   BENCH_OUT=DIR   work and output directory (default bench/out; git-ignored)
#   PY311=PATH      CPython 3.11 of the host (default pyenv's 3.11.7): Packyard's interpreter
#                   (host:3.11), the classic venv's interpreter, and the one that builds refapp's
#                   wheel
#   PACKYARD="CMD"  the Packyard command to time (default: a snapshot of the CLI the ./packyard
#                   launcher builds, run with java directly; see packyard_prepare)
#   SOURCE_DATE_EPOCH  timestamp for every package (default 1700000000)
#   DEB_COMPRESSION=xz|gzip  the .deb compression Packyard's builds use (default xz, Packyard's
#                   default); gzip builds a copy of bench/refapp with
#                   [tool.packyard.deb] compression = "gzip"

set -eu

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)
OUT=${BENCH_OUT:-$BENCH_DIR/out}
RUNS=${RUNS:-3}
PY311=${PY311:-/root/.pyenv/versions/3.11.7/bin/python3}
WHEELSET=$BENCH_DIR/wheelset          # bench/refapp's find-links = ["../wheelset"] points here
REFAPP=$BENCH_DIR/refapp
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1700000000}

DEB_COMPRESSION=${DEB_COMPRESSION:-xz}

case $RUNS in '' | *[!0-9]* | 0) echo "bench: RUNS must be a positive integer, not '$RUNS'" >&2; exit 2 ;; esac
case $DEB_COMPRESSION in xz | gzip) ;; *) echo "bench: DEB_COMPRESSION must be xz or gzip, not '$DEB_COMPRESSION'" >&2; exit 2 ;; esac

# Offline and reproducible pip: no configuration files (this machine's user pip.conf adds
# find-links and extra index URLs), no find-links or index from the environment, no cache
# (so no run is helped by an earlier one), no version check. Python writes bytecode as usual.
unset PIP_FIND_LINKS PIP_INDEX_URL PIP_EXTRA_INDEX_URL PIP_NO_INDEX PYTHONDONTWRITEBYTECODE \
    PIP_REQUIRE_VIRTUALENV PYTHONPATH VIRTUAL_ENV
export PIP_CONFIG_FILE=/dev/null PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1

say() { printf '%s\n' "$*"; }
section() { printf '\n== %s\n' "$*"; }
die() { printf 'bench: error: %s\n' "$*" >&2; exit 1; }
need() {
    command -v "$1" >/dev/null 2>&1 || die "$1 not found${2:+ ($2)}"
}

# Machine and tool versions, for the record.
print_machine() {
    local cpu
    cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
    say "machine:   $(nproc) CPUs (nproc), ${cpu:-unknown CPU}, $(awk '/MemTotal/ {printf "%.1f GiB RAM", $2/1048576}' /proc/meminfo)"
    say "os:        $(. /etc/os-release && echo "$PRETTY_NAME"), kernel $(uname -r)"
    say "load:      $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15 min) at start"
    say "packyard:  $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')$( [ -n "$(git -C "$ROOT" status --porcelain --untracked-files=no 2>/dev/null | head -n 1)" ] && echo ' + uncommitted changes')"
    say "runs:      $RUNS of each, interleaved; median reported"
}

# ---- timing -------------------------------------------------------------------------------

# LOGS: directory for the output of every timed command.
LOGS=$OUT/logs

# children_cpu VAR: sets VAR to the user+sys seconds of this shell's reaped children so far,
# from the `times` builtin (run in this shell: in a command substitution's fork they are zero).
children_cpu() {
    times >"$LOGS/.times"
    printf -v "$1" '%s' "$(awk 'NR == 2 {
        t = 0
        for (i = 1; i <= 2; i++) { split($i, p, "m"); sub("s", "", p[2]); t += p[1] * 60 + p[2] }
        printf "%.2f", t }' "$LOGS/.times")"
}

# timed NAME RUN_NO COMMAND...: runs COMMAND (output to $LOGS/NAME-RUN_NO.log), prints and
# records its wall-clock time in seconds in the array TIMES_NAME and its CPU time (user+sys,
# children included) in CPU_NAME. A failing command stops the benchmark with the end of its log.
timed() {
    local name=$1 run=$2
    shift 2
    local log="$LOGS/$name-$run.log" t0 t1 c0 c1 status=0 secs cpu
    mkdir -p "$LOGS"
    children_cpu c0
    # In the background, so that `set -e` holds inside COMMAND when it is a shell function
    # (bash ignores errexit in a function called as part of an || list).
    t0=$EPOCHREALTIME
    "$@" >"$log" 2>&1 </dev/null &
    wait $! || status=$?
    t1=$EPOCHREALTIME
    children_cpu c1
    if [ "$status" -ne 0 ]; then
        tail -n 25 "$log" >&2
        die "$name (run $run) failed with status $status; full log: $log"
    fi
    secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
    cpu=$(awk -v a="$c0" -v b="$c1" 'BEGIN { printf "%.2f", b - a }')
    eval "TIMES_$name+=(\"\$secs\")"
    eval "CPU_$name+=(\"\$cpu\")"
    printf '  run %d/%d  %-26s %8.2f s   (cpu %.2f s)\n' "$run" "$RUNS" "$(label_of "$name")" "$secs" "$cpu"
}

# contender NAME LABEL: declares a contender (NAME is an identifier) and its human name.
contender() {
    declare -ga "TIMES_$1=()" "CPU_$1=()"
    declare -g "LABEL_$1=$2"
}
label_of() { local v="LABEL_$1"; printf '%s' "${!v:-$1}"; }

# stats NAME [ARRAY_PREFIX]: "median min max" of TIMES_NAME (or CPU_NAME with prefix CPU).
stats() {
    local -n arr="${2:-TIMES}_$1"
    printf '%s\n' "${arr[@]}" | sort -g | awk '
        { v[NR] = $1 }
        END {
            if (NR == 0) { print "nan nan nan"; exit }
            m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
            printf "%.2f %.2f %.2f\n", m, v[1], v[NR]
        }'
}
median() { stats "$1" | cut -d' ' -f1; }
median_cpu() { stats "$1" CPU | cut -d' ' -f1; }

# summary_row NAME: one line of the result table.
summary_row() {
    local med min max
    read -r med min max < <(stats "$1")
    printf '  %-30s median %8.2f s   (min %.2f, max %.2f, %d runs; cpu median %.2f s)\n' \
        "$(label_of "$1")" "$med" "$min" "$max" "$RUNS" "$(median_cpu "$1")"
}

# ratio A B: A / B with two decimals.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else printf "nan" }'; }

# run_ratios A B: the per-run ratios A[i] / B[i] (runs are interleaved, so run i of A and B
# saw about the same background load) and their median: "r1 r2 ... | median".
run_ratios() {
    local -n a="TIMES_$1" b="TIMES_$2"
    local i list=""
    for ((i = 0; i < ${#a[@]} && i < ${#b[@]}; i++)); do
        list+="$(ratio "${a[i]}" "${b[i]}") "
    done
    # shellcheck disable=SC2086 # word splitting of the list is wanted
    printf '%s| median %s' "$list" "$(printf '%s\n' $list | sort -g | awk '
        { v[NR] = $1 } END { printf "%.2f", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')"
}

# verdict VALUE OP TARGET: "meets" or "misses" (OP is <= or >=).
verdict() {
    awk -v v="$1" -v op="$2" -v t="$3" 'BEGIN {
        ok = (op == "<=") ? (v <= t) : (v >= t)
        printf "%s", ok ? "MEETS the target" : "MISSES the target" }'
}

# ---- inputs -------------------------------------------------------------------------------

# The 30-wheel set in bench/wheelset, made by make-wheelset.py when it is not there yet.
ensure_wheelset() {
    [ -x "$PY311" ] || die "no CPython 3.11 at $PY311 (set PY311)"
    local n
    n=$(find "$WHEELSET" -maxdepth 1 -name '*.whl' 2>/dev/null | wc -l)
    if [ "$n" -ne 30 ]; then
        say "making the wheel set: $PY311 bench/make-wheelset.py -o bench/wheelset --accept-modified"
        "$PY311" "$BENCH_DIR/make-wheelset.py" -o "$WHEELSET" --accept-modified >"$OUT/make-wheelset.log" 2>&1 \
            || { tail -n 20 "$OUT/make-wheelset.log" >&2; die "make-wheelset.py failed"; }
        n=$(find "$WHEELSET" -maxdepth 1 -name '*.whl' | wc -l)
    fi
    say "wheel set: $n wheels, $(find "$WHEELSET" -maxdepth 1 -name '*.whl' -printf '%s\n' | awk '{ t += $1 } END { print t }') bytes, in $WHEELSET"
}

# packyard_prepare: sets the array PACKYARD_CMD. With PACKYARD unset, it lets the ./packyard
# launcher (re)build the CLI, then copies the jar and its libraries to $OUT/cli and runs that
# copy with java, exactly as the launcher would. Timing a snapshot keeps a rebuild (another
# change to the sources during the run) out of the figures; the launcher's own staleness check
# costs well under a second and is left out.
packyard_prepare() {
    if [ -n "${PACKYARD:-}" ]; then
        read -r -a PACKYARD_CMD <<<"$PACKYARD"
        say "packyard command: ${PACKYARD_CMD[*]}"
        return
    fi
    "$ROOT/packyard" --version >"$OUT/packyard-version.txt" 2>"$OUT/packyard-launcher.log" \
        || { tail -n 20 "$OUT/packyard-launcher.log" >&2; die "./packyard --version failed (the CLI does not build?)"; }
    rm -rf "$OUT/cli"
    mkdir -p "$OUT/cli"
    cp "$ROOT/packyard-cli/target/packyard-cli.jar" "$OUT/cli/"
    cp -r "$ROOT/packyard-cli/target/lib" "$OUT/cli/lib"
    (
        # shellcheck source=/dev/null
        . "$ROOT/scripts/jdk.sh"
        # shellcheck disable=SC2153 # set by jdk.sh
        echo "$JAVA_HOME" >"$OUT/cli/java-home"
    ) || die "no JDK 21+ found"
    local java_home
    java_home=$(cat "$OUT/cli/java-home")
    # shellcheck disable=SC2206
    PACKYARD_CMD=("$java_home/bin/java" ${PACKYARD_JAVA_OPTS:-} -cp "$OUT/cli/packyard-cli.jar:$OUT/cli/lib/*" io.packyard.cli.Main)
    say "packyard: $(head -n 1 "$OUT/packyard-version.txt"), snapshot in $OUT/cli, java $("$java_home/bin/java" -version 2>&1 | head -n 1)"
}

# refapp_project COMPRESSION: prints the project directory whose .deb uses COMPRESSION:
# bench/refapp itself for xz (Packyard's default), else a copy in $OUT/refapp-COMPRESSION/refapp
# (next to a link to the wheel set, which refapp's find-links = ["../wheelset"] expects) with
# [tool.packyard.deb] compression = "COMPRESSION" added.
refapp_project() {
    if [ "$1" = xz ]; then
        printf '%s' "$REFAPP"
        return
    fi
    local d=$OUT/refapp-$1
    rm -rf "$d"
    mkdir -p "$d"
    cp -r "$REFAPP" "$d/refapp"
    rm -rf "$d/refapp/build"
    ln -s "$WHEELSET" "$d/wheelset"
    printf '\n[tool.packyard.deb]\ncompression = "%s"\n' "$1" >>"$d/refapp/pyproject.toml"
    printf '%s' "$d/refapp"
}

# packyard_build_deb OUTDIR [PROJECT]: `packyard build PROJECT --format deb` into OUTDIR
# (emptied); PROJECT defaults to bench/refapp.
packyard_build_deb() {
    rm -rf "$1"
    mkdir -p "$1"
    "${PACKYARD_CMD[@]}" build "${2:-$REFAPP}" --python "host:$PY311" --format deb --out "$1" \
        --source-date-epoch "$SOURCE_DATE_EPOCH"
}

# the_deb DIR: the single .deb in DIR.
the_deb() {
    local f
    f=$(find "$1" -maxdepth 1 -name '*.deb' | sort | head -n 1)
    [ -n "$f" ] || die "no .deb in $1"
    printf '%s' "$f"
}

# mib BYTES / file_mib FILE
mib() { awk -v b="$1" 'BEGIN { printf "%.1f MiB", b / 1048576 }'; }
file_mib() { mib "$(stat -c %s "$1")"; }

# Uncompressed size of a .deb's data member.
data_mib() {
    local member
    member=$(ar t "$1" | grep '^data\.tar')
    case $member in
        *.xz) mib "$(ar p "$1" "$member" | xz -dc | wc -c)" ;;
        *.gz) mib "$(ar p "$1" "$member" | gzip -dc | wc -c)" ;;
        *.zst) mib "$(ar p "$1" "$member" | zstd -dc | wc -c)" ;;
        *) mib "$(ar p "$1" "$member" | wc -c)" ;;
    esac
}

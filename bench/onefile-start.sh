#!/usr/bin/env bash
# Start-time benchmark of `--format onefile`: the same application started
#   from an unpacked tree (the floor: the .tar.gz's tree, bin/<command> run in place),
#   as a onefile on its first start (empty cache: unpack, check, run),
#   as a onefile on later starts (cache present: lstat() against the stamp, run),
# plus the onefile's own part alone (`--packyard-unpack`: everything a start does before
# exec'ing the application), first and later. Prints medians, minimums and ratios.
# Runs by hand, never in CI. Offline. See docs/benchmarks.md and onefile/README.md.
#
#   bench/onefile-start.sh                    # RUNS=10, both applications
#   RUNS=20 APPS=refapp bench/onefile-start.sh
#
# Environment (besides those of bench/lib.sh: BENCH_OUT, PY311, PACKYARD, SOURCE_DATE_EPOCH):
#   RUNS=N          timed runs of each kind, interleaved (default 10)
#   APPS="..."      which applications: refapp (bench/refapp: 30 dependencies, 5 of them binary)
#                   and/or hello-cli (examples/hello-cli); default "refapp hello-cli"
#   DROP_CACHES=1   before every first start, drop the kernel's page cache too (root only):
#                   a cold first start, as after a reboot; default 0 (warm: the onefile file
#                   itself is in memory, as right after a download)

RUNS=${RUNS:-10}
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

APPS=${APPS:-refapp hello-cli}
DROP_CACHES=${DROP_CACHES:-0}
WORK=$OUT/onefile
mkdir -p "$WORK" "$LOGS"

need tar "tar"

section "Onefile start benchmark: first and later starts against the unpacked tree (floor)"
print_machine
packyard_prepare

# ms_since T0: milliseconds since $EPOCHREALTIME value T0, one decimal
ms_since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", (b - a) * 1000 }'; }

# run_ms VAR CPUVAR LOG COMMAND...: runs COMMAND (output to LOG) in this shell, sets VAR to its
# wall time and CPUVAR to its CPU time (user + sys of the processes it ran), in ms; a failure
# stops the benchmark. CPU time is what other processes on a busy machine do not inflate.
run_ms() {
    local var=$1 cpuvar=$2 log=$3 t0 c0 c1 status=0
    shift 3
    children_cpu c0
    t0=$EPOCHREALTIME
    "$@" >"$log" 2>&1 </dev/null || status=$?
    printf -v "$var" '%s' "$(ms_since "$t0")"
    children_cpu c1
    printf -v "$cpuvar" '%s' "$(awk -v a="$c0" -v b="$c1" 'BEGIN { printf "%.0f", (b - a) * 1000 }')"
    if [ "$status" -ne 0 ]; then
        tail -n 20 "$log" >&2
        die "$* failed with status $status; log: $log"
    fi
}

# stat_of LIST...: "median min max" of the numbers
stat_of() {
    printf '%s\n' "$@" | sort -g | awk '
        { v[NR] = $1 }
        END {
            m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
            printf "%.1f %.1f %.1f\n", m, v[1], v[NR]
        }'
}
# row LABEL WALL_ARRAY CPU_ARRAY: one line of the result table
row() {
    local -n w=$2 c=$3
    printf '  %-40s %s   cpu %6.0f ms\n' "$1" \
        "$(stat_of "${w[@]}" | awk '{ printf "%8.1f ms  (min %7.1f, max %7.1f)", $1, $2, $3 }')" \
        "$(stat_of "${c[@]}" | cut -d' ' -f1)"
}

# in_cache DIR COMMAND...: COMMAND with PACKYARD_ONEFILE_CACHE=DIR (a function: no extra exec)
in_cache() { PACKYARD_ONEFILE_CACHE=$1 "${@:2}"; }
div() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else printf "nan" }'; }

drop_caches() {
    if [ "$DROP_CACHES" = 1 ]; then
        sync
        echo 3 >/proc/sys/vm/drop_caches 2>/dev/null || die "DROP_CACHES=1 needs root"
    fi
}

bench_app() {
    local app=$1 project command args
    case $app in
        refapp)
            ensure_wheelset
            project=$REFAPP command=refapp args=() ;;
        hello-cli)
            project=$ROOT/examples/hello-cli command=hello args=(--name bench) ;;
        *) die "unknown application '$app' (APPS: refapp, hello-cli)" ;;
    esac
    local dir=$WORK/$app
    section "$app: packyard build --format onefile,tar.gz --python host:$PY311"
    rm -rf "$dir"
    mkdir -p "$dir/dist" "$dir/logs"
    local t0=$EPOCHREALTIME
    "${PACKYARD_CMD[@]}" build "$project" --python "host:$PY311" --format onefile,tar.gz --out "$dir/dist" \
        --source-date-epoch "$SOURCE_DATE_EPOCH" >"$dir/logs/build.log" 2>&1 \
        || { tail -n 25 "$dir/logs/build.log" >&2; die "packyard build $app failed; log: $dir/logs/build.log"; }
    say "built in $(ms_since "$t0") ms"
    local onefile tgz
    onefile=$(find "$dir/dist" -maxdepth 1 -type f -name '*-linux-*' ! -name '*.tar.gz' | head -n 1)
    tgz=$(find "$dir/dist" -maxdepth 1 -name '*.tar.gz' | head -n 1)
    if [ -z "$onefile" ] || [ -z "$tgz" ]; then
        die "no onefile or .tar.gz in $dir/dist"
    fi
    mkdir -p "$dir/tree"
    tar xzf "$tgz" -C "$dir/tree"
    local tree
    tree=$(find "$dir/tree" -mindepth 1 -maxdepth 1 -type d | head -n 1)
    local files bytes
    files=$(find "$tree" | wc -l)
    bytes=$(du -sb "$tree" | cut -f1)
    say "onefile:  $(basename "$onefile"), $(file_mib "$onefile") (the .tar.gz: $(file_mib "$tgz"))"
    say "unpacks:  $(mib "$bytes") in $files entries"
    say "command:  $command ${args[*]}"

    # warm-up, untimed: the interpreter's files and the onefile in the page cache
    "$tree/bin/$command" "${args[@]}" >"$dir/logs/warmup.log" 2>&1 || die "$tree/bin/$command failed"
    PACKYARD_ONEFILE_CACHE=$dir/cache-warmup "$onefile" "${args[@]}" >>"$dir/logs/warmup.log" 2>&1 \
        || die "$onefile failed; log: $dir/logs/warmup.log"
    rm -rf "$dir/cache-warmup"

    local floor=() first=() later=() own_first=() own_later=() i ms cpu
    local cfloor=() cfirst=() clater=() cown_first=() cown_later=()
    for ((i = 1; i <= RUNS; i++)); do
        run_ms ms cpu "$dir/logs/floor-$i.log" "$tree/bin/$command" "${args[@]}"
        floor+=("$ms") cfloor+=("$cpu")
        drop_caches
        rm -rf "$dir/cache-$i"
        run_ms ms cpu "$dir/logs/first-$i.log" in_cache "$dir/cache-$i" "$onefile" "${args[@]}"
        first+=("$ms") cfirst+=("$cpu")
        run_ms ms cpu "$dir/logs/later-$i.log" in_cache "$dir/cache-$i" "$onefile" "${args[@]}"
        later+=("$ms") clater+=("$cpu")
        drop_caches
        rm -rf "$dir/own-$i"
        run_ms ms cpu "$dir/logs/own-first-$i.log" in_cache "$dir/own-$i" "$onefile" --packyard-unpack
        own_first+=("$ms") cown_first+=("$cpu")
        run_ms ms cpu "$dir/logs/own-later-$i.log" in_cache "$dir/own-$i" "$onefile" --packyard-unpack
        own_later+=("$ms") cown_later+=("$cpu")
        printf '  run %2d/%d  floor %8.1f ms   first %8.1f ms   later %8.1f ms   own start: first %7.1f ms, later %6.1f ms\n' \
            "$i" "$RUNS" "${floor[-1]}" "${first[-1]}" "${later[-1]}" "${own_first[-1]}" "${own_later[-1]}"
        rm -rf "$dir/cache-$i" "$dir/own-$i"
    done
    # the numbers must come from the application's real output, not an error
    diff -q "$dir/logs/floor-1.log" "$dir/logs/later-1.log" >/dev/null \
        || die "the onefile's output differs from the unpacked tree's: $dir/logs/floor-1.log, $dir/logs/later-1.log"

    local f f1 l of ol
    read -r f _ _ < <(stat_of "${floor[@]}")
    read -r f1 _ _ < <(stat_of "${first[@]}")
    read -r l _ _ < <(stat_of "${later[@]}")
    read -r of _ _ < <(stat_of "${own_first[@]}")
    read -r ol _ _ < <(stat_of "${own_later[@]}")
    section "$app: results (median, min, max of $RUNS runs; wall clock, and CPU time median)"
    row "unpacked tree, bin/$command (floor)" floor cfloor
    row "onefile, first start" first cfirst
    row "onefile, later starts" later clater
    row "onefile's own start, first (unpack)" own_first cown_first
    row "onefile's own start, later (check)" own_later cown_later
    local cf cf1 cl cof col
    read -r cf _ _ < <(stat_of "${cfloor[@]}")
    read -r cf1 _ _ < <(stat_of "${cfirst[@]}")
    read -r cl _ _ < <(stat_of "${clater[@]}")
    read -r cof _ _ < <(stat_of "${cown_first[@]}")
    read -r col _ _ < <(stat_of "${cown_later[@]}")
    say ""
    say "  ratios of the medians             wall     cpu"
    say "  later start / floor:            $(div "$l" "$f")    $(div "$cl" "$cf")   (1.00 = no cost over the unpacked tree)"
    say "  first start / floor:            $(div "$f1" "$f")    $(div "$cf1" "$cf")"
    say "  first start / later start:      $(div "$f1" "$l")    $(div "$cf1" "$cl")"
    say "  own start, first / later:       $(div "$of" "$ol")    $(div "$cof" "$col")   (target: >= 5)"
    say "  own start, later, added to the floor: $(awk -v a="$ol" 'BEGIN { printf "%.1f", a }') ms"
}

for app in $APPS; do
    bench_app "$app"
done

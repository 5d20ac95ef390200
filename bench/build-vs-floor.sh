#!/usr/bin/env bash
# Build benchmark: `packyard build bench/refapp --format deb` against
#   the floor:        `dpkg-deb --build` of the very tree Packyard's .deb holds, with the same
#                     compressor and level (dpkg-deb's default threading, and one thread);
#   dh-virtualenv:    `dpkg-buildpackage -us -uc -b` of bench/refapp with a debian/ directory
#                     using dh-virtualenv, offline (pip --no-index --find-links bench/wheelset).
# Runs by hand, never in CI. Offline. See docs/benchmarks.md.
#
#   bench/build-vs-floor.sh                  # RUNS=3
#   RUNS=5 bench/build-vs-floor.sh
#
# Environment (besides those of bench/lib.sh: RUNS, BENCH_OUT, PY311, PACKYARD):
#   DEB_COMPRESSION=gzip  Packyard builds refapp with [tool.packyard.deb] compression = "gzip",
#                     and the floor is dpkg-deb -Zgzip (default xz: Packyard's default)
#   FLOOR_LEVEL=N     compression level of the floor (default: Packyard's DebFormat
#                     DEFAULT_XZ_PRESET or GZIP_LEVEL read from the source, else 6 or 9)
#   FLOOR_SINGLE=0    skip the single-threaded floor (dpkg-deb --threads-max=1)
#   DHV=0             skip dh-virtualenv
#   DHV_PYTHON=PATH   interpreter of dh-virtualenv's venv (default Debian's /usr/bin/python3.11)
#   TARGET_FLOOR=1.3  the target for packyard/floor
#   COLD=0            skip the cold contender: packyard build with an empty cache directory
#                     every run (no cached bytecode, no cached dpkg-shlibdeps result)
#
# Packyard's caches: the timed "packyard build" runs use a cache directory of the benchmark's
# own ($BENCH_OUT/packyard-cache, emptied when the benchmark starts and filled by the untimed
# warm-up build), as a developer's or CI machine rebuilding the app has; the "cold cache"
# contender gets a new empty one each run, as a first build on a new machine.

# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

TARGET_FLOOR=${TARGET_FLOOR:-1.3}
FLOOR_SINGLE=${FLOOR_SINGLE:-1}
DHV=${DHV:-1}
DHV_PYTHON=${DHV_PYTHON:-/usr/bin/python3.11}
WORK=$OUT/build
LOGS=$OUT/logs/build

contender packyard "packyard build --format deb"
contender floor "dpkg-deb --build (floor)"
contender floor_t1 "dpkg-deb --build, 1 thread"
contender dhv "dh-virtualenv"
contender cold "packyard build, cold cache"
COLD=${COLD:-1}
case $COLD in 0 | 1) ;; *) die "COLD must be 0 or 1, not '$COLD'" ;; esac
# Packyard's cache directory (see above); the ./packyard launcher's own build is not affected
export PACKYARD_CACHE_DIR=$OUT/packyard-cache
rm -rf "$PACKYARD_CACHE_DIR"
# cold_build OUTDIR PROJECT: packyard_build_deb with a new, empty cache directory
cold_build() {
    rm -rf "$OUT/packyard-cache-cold"
    PACKYARD_CACHE_DIR=$OUT/packyard-cache-cold packyard_build_deb "$@"
}

need dpkg-deb "dpkg"
need ar "binutils"
need xz "xz-utils"
mkdir -p "$WORK" "$LOGS"

section "Build benchmark: packyard build vs dpkg-deb --build (floor) vs dh-virtualenv"
print_machine
ensure_wheelset
packyard_prepare
PROJECT=$(refapp_project "$DEB_COMPRESSION")
say "project: $PROJECT (.deb compression: $DEB_COMPRESSION)"

# ---- warm-up: one untimed Packyard build, which also gives the floor its tree -------------

section "Warm-up (untimed): packyard build, then dpkg-deb -R of its .deb"
warm_log=$LOGS/packyard-warmup.log
t0=$EPOCHREALTIME
set -o pipefail
packyard_build_deb "$WORK/warmup" "$PROJECT" 2>&1 | while IFS= read -r line; do
    printf '%s %s\n' "$EPOCHREALTIME" "$line"
done >"$warm_log" || { tail -n 25 "$warm_log" >&2; die "packyard build failed; log: $warm_log"; }
set +o pipefail
t1=$EPOCHREALTIME
PACKYARD_DEB=$(the_deb "$WORK/warmup")
t_write=$(awk '/==> Writing .*\.deb/ { print $1; exit }' "$warm_log")
if [ -n "$t_write" ]; then
    say "packyard build: $(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f", b-a}') s in all:" \
        "$(awk -v a="$t0" -v b="$t_write" 'BEGIN{printf "%.1f", b-a}') s staging (interpreter, wheels, bytecode)," \
        "$(awk -v a="$t_write" -v b="$t1" 'BEGIN{printf "%.1f", b-a}') s writing the .deb"
fi

data_member=$(ar t "$PACKYARD_DEB" | grep '^data\.tar') || die "no data.tar member in $PACKYARD_DEB"
control_member=$(ar t "$PACKYARD_DEB" | grep '^control\.tar')
case $data_member in
    data.tar.xz) comp=xz ;;
    data.tar.gz) comp=gzip ;;
    data.tar.zst) comp=zstd ;;
    data.tar) comp=none ;;
    *) die "unknown data member $data_member in $PACKYARD_DEB" ;;
esac
if [ -z "${FLOOR_LEVEL:-}" ]; then
    level_const=DEFAULT_XZ_PRESET default_level=6
    [ "$comp" = gzip ] && level_const=GZIP_LEVEL default_level=9
    FLOOR_LEVEL=$(sed -n "s/.*int $level_const = \([0-9]\);.*/\1/p" \
        "$ROOT/packyard-formats/src/main/java/io/packyard/formats/deb/DebFormat.java" 2>/dev/null | head -n 1)
    level_from="DebFormat.$level_const"
    [ -n "$FLOOR_LEVEL" ] || { FLOOR_LEVEL=$default_level; level_from="default"; }
else
    level_from="FLOOR_LEVEL"
fi
dict=""
if [ "$comp" = xz ]; then
    # xz --list cannot read a pipe; use a temporary file
    tmp_xz=$WORK/data-member.xz
    ar p "$PACKYARD_DEB" "$data_member" >"$tmp_xz"
    dict=$(xz -lvv "$tmp_xz" | grep -o 'lzma2=dict=[0-9A-Za-z]*' | sort -u | paste -sd' ')
    rm -f "$tmp_xz"
fi
say "packyard .deb: $(basename "$PACKYARD_DEB"), $(file_mib "$PACKYARD_DEB"), members: $(ar t "$PACKYARD_DEB" | tr '\n' ' ')"
say "  data: $data_member ${dict:+($dict) }$(data_mib "$PACKYARD_DEB") uncompressed; control: $control_member"
say "floor compression: -Z$comp -z$FLOOR_LEVEL (level from $level_from)"

TREE=$WORK/floor-tree
rm -rf "$TREE"
dpkg-deb -R "$PACKYARD_DEB" "$TREE"
say "floor tree: $TREE ($(du -sm "$TREE" | cut -f1) MiB on disk, $(find "$TREE" -type f | wc -l) files)"

floor_build() {   # floor_build OUT.deb [dpkg-deb options]
    local out=$1
    shift
    rm -f "$out"
    dpkg-deb --root-owner-group "-Z$comp" "-z$FLOOR_LEVEL" "$@" --build "$TREE" "$out"
}

# ---- dh-virtualenv ------------------------------------------------------------------------

dhv_skip=""
if [ "$DHV" != 1 ]; then
    dhv_skip="DHV=$DHV"
elif ! command -v dh_virtualenv >/dev/null 2>&1; then
    dhv_skip="dh_virtualenv is not installed (apt-get install dh-virtualenv)"
elif ! command -v dh >/dev/null 2>&1; then
    dhv_skip="debhelper's dh is not installed: dh-virtualenv is a debhelper add-on and cannot run without it (apt-get install debhelper)"
elif ! command -v dpkg-buildpackage >/dev/null 2>&1; then
    dhv_skip="dpkg-buildpackage is not installed (apt-get install dpkg-dev)"
elif ! "$DHV_PYTHON" -c 'import ensurepip, venv' >/dev/null 2>&1; then
    dhv_skip="$DHV_PYTHON has no working venv/ensurepip (apt-get install python3.11-venv)"
fi

# dh-virtualenv's venv gets pip and setuptools from the interpreter's ensurepip; refapp's
# build backend (setuptools.build_meta, with setuptools < 70.1) also needs `wheel`, which we
# preinstall from Debian's offline wheel directory. The build runs without build isolation,
# like Packyard's (which builds the project's wheel with the host's setuptools).
HOST_WHEELS=/usr/share/python-wheels
dhv_prepare() {   # a fresh source tree for every run
    local src=$WORK/dhv/refapp-1.0.0
    rm -rf "$WORK/dhv"
    mkdir -p "$src"
    cp -r "$REFAPP/." "$src/"
    find "$src" \( -name __pycache__ -o -name '*.egg-info' -o -name build -o -name dist \) -prune -exec rm -rf {} +
    mkdir -p "$src/debian/source"
    echo "3.0 (native)" >"$src/debian/source/format"
    local venv_dep="" run_dep=""
    case $DHV_PYTHON in
        /usr/bin/python3.11) venv_dep=", python3.11-venv"; run_dep=", python3.11" ;;
        /usr/bin/*) venv_dep=", python3-venv"; run_dep=", python3" ;;
    esac
    cat >"$src/debian/changelog" <<EOF
refapp (1.0.0) unstable; urgency=medium

  * Packyard benchmark: refapp built with dh-virtualenv.

 -- Packyard Bench <bench@example.org>  $(date -u -R -d "@$SOURCE_DATE_EPOCH")
EOF
    cat >"$src/debian/control" <<EOF
Source: refapp
Section: misc
Priority: optional
Maintainer: Packyard Bench <bench@example.org>
Build-Depends: debhelper-compat (= 13), dh-virtualenv$venv_dep
Standards-Version: 4.6.2
Rules-Requires-Root: no

Package: refapp
Architecture: any
Depends: \${shlibs:Depends}, \${misc:Depends}$run_dep
Description: Packyard benchmark application (dh-virtualenv build)
 refapp and the 30 distributions of the benchmark wheel set in a virtualenv
 under /opt/venvs/refapp.
EOF
    cat >"$src/debian/rules" <<EOF
#!/usr/bin/make -f
%:
	dh \$@ --with python-virtualenv

override_dh_virtualenv:
	dh_virtualenv --builtin-venv --python $DHV_PYTHON --preinstall wheel \\
	    --extra-pip-arg=--no-index \\
	    --extra-pip-arg=--find-links=$WHEELSET \\
	    --extra-pip-arg=--find-links=$HOST_WHEELS \\
	    --extra-pip-arg=--no-build-isolation \\
	    --extra-pip-arg=--no-cache-dir
EOF
    chmod 0755 "$src/debian/rules"
}
dhv_build() {
    cd "$WORK/dhv/refapp-1.0.0" || exit 1
    # one binary package like Packyard's (no -dbgsym), no tests
    DEB_BUILD_OPTIONS="nocheck noautodbgsym" dpkg-buildpackage -us -uc -b
}

if [ -z "$dhv_skip" ]; then
    say "dh-virtualenv: $(dpkg-query -W -f '${Version}' dh-virtualenv 2>/dev/null || echo '?'), debhelper $(dpkg-query -W -f '${Version}' debhelper 2>/dev/null || echo '?'), venv from $DHV_PYTHON ($("$DHV_PYTHON" -V 2>&1)), pip --no-index --find-links bench/wheelset --find-links $HOST_WHEELS"
else
    say "dh-virtualenv: SKIPPED: $dhv_skip"
fi

# ---- timed runs, interleaved so that background load hits every contender alike -----------

section "Timed runs"
for ((i = 1; i <= RUNS; i++)); do
    timed packyard "$i" packyard_build_deb "$WORK/packyard" "$PROJECT"
    sync
    timed floor "$i" floor_build "$WORK/floor.deb"
    sync
    if [ "$FLOOR_SINGLE" = 1 ]; then
        timed floor_t1 "$i" floor_build "$WORK/floor-t1.deb" --threads-max=1
        sync
    fi
    if [ -z "$dhv_skip" ]; then
        dhv_prepare
        timed dhv "$i" dhv_build
        sync
    fi
    if [ "$COLD" = 1 ]; then
        timed cold "$i" cold_build "$WORK/packyard-cold" "$PROJECT"
        sync
    fi
done
if [ "$COLD" = 1 ]; then
    cmp -s "$(the_deb "$WORK/packyard")" "$(the_deb "$WORK/packyard-cold")" \
        || die "the cold-cache build's .deb differs from the warm one's"
    say "the cold-cache and warm-cache builds gave byte-identical .deb files"
fi

# ---- outputs ------------------------------------------------------------------------------

section "Packages"
say "  packyard       $(file_mib "$(the_deb "$WORK/packyard")"), data $(data_mib "$(the_deb "$WORK/packyard")") uncompressed"
say "  floor          $(file_mib "$WORK/floor.deb"), data $(data_mib "$WORK/floor.deb") uncompressed"
[ "$FLOOR_SINGLE" = 1 ] && say "  floor 1 thread $(file_mib "$WORK/floor-t1.deb")"
if [ -z "$dhv_skip" ]; then
    dhv_deb=$WORK/dhv/refapp_1.0.0_$(dpkg --print-architecture).deb
    [ -f "$dhv_deb" ] || die "dh-virtualenv wrote no $dhv_deb"
    [ "$(dpkg-deb -c "$dhv_deb" | grep -c '/opt/venvs/refapp/bin/refapp$')" -ge 1 ] || die "$dhv_deb has no /opt/venvs/refapp/bin/refapp"
    # the app works: unpack and run it with the venv's python (its scripts' shebangs name
    # /opt/venvs/refapp, where the package is not installed)
    rm -rf "$WORK/dhv-check"
    dpkg-deb -x "$dhv_deb" "$WORK/dhv-check"
    "$WORK/dhv-check/opt/venvs/refapp/bin/python" -m refapp >"$LOGS/dhv-check.log" 2>&1 \
        || { tail -n 20 "$LOGS/dhv-check.log" >&2; die "refapp from the dh-virtualenv package does not run"; }
    rm -rf "$WORK/dhv-check"
    say "  dh-virtualenv  $(file_mib "$dhv_deb"), data $(data_mib "$dhv_deb") uncompressed (a venv without an interpreter: it depends on $DHV_PYTHON)"
fi

section "Results (wall clock, median of $RUNS)"
summary_row packyard
summary_row floor
[ "$FLOOR_SINGLE" = 1 ] && summary_row floor_t1
if [ -z "$dhv_skip" ]; then summary_row dhv; else say "  dh-virtualenv: skipped: $dhv_skip"; fi
[ "$COLD" = 1 ] && summary_row cold

p=$(median packyard)
r_floor=$(ratio "$p" "$(median floor)")
say ""
say "  packyard / floor            = ${r_floor}x   (target <= ${TARGET_FLOOR}x: $(verdict "$r_floor" "<=" "$TARGET_FLOOR"))"
say "      per run: $(run_ratios packyard floor)"
if [ "$FLOOR_SINGLE" = 1 ]; then
    say "  packyard / floor, 1 thread  = $(ratio "$p" "$(median floor_t1)")x   (informational)"
    say "      per run: $(run_ratios packyard floor_t1)"
fi
if [ -z "$dhv_skip" ]; then
    say "  packyard / dh-virtualenv    = $(ratio "$p" "$(median dhv)")x   (below 1 = Packyard is faster)"
    say "      per run: $(run_ratios packyard dhv)"
fi
if [ "$COLD" = 1 ]; then
    r_cold=$(ratio "$(median cold)" "$(median floor)")
    say "  packyard, cold cache / floor = ${r_cold}x   (first build on a machine; target <= ${TARGET_FLOOR}x: $(verdict "$r_cold" "<=" "$TARGET_FLOOR"))"
    say "      per run: $(run_ratios cold floor)"
fi
say "  cpu time (user+sys), informational: packyard / floor = $(ratio "$(median_cpu packyard)" "$(median_cpu floor)")x$(
    [ -z "$dhv_skip" ] && printf ', packyard / dh-virtualenv = %sx' "$(ratio "$(median_cpu packyard)" "$(median_cpu dhv)")")"
say ""
say "load at end: $(cut -d' ' -f1-3 /proc/loadavg); logs in $LOGS"

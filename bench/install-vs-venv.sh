#!/usr/bin/env bash
# Install benchmark: `dpkg -i` of Packyard's refapp .deb against the classic flow, creating a
# fresh venv and `pip install --no-index --find-links bench/wheelset refapp-1.0.0-py3-none-any.whl`
# (venv creation included in the timing). Both end with refapp and its 30 dependencies
# installed and byte-compiled. Runs by hand, as root, never in CI. Offline. See
# docs/benchmarks.md.
#
#   sudo bench/install-vs-venv.sh            # RUNS=3
#   RUNS=5 bench/install-vs-venv.sh
#
# Environment (besides those of bench/lib.sh: RUNS, BENCH_OUT, PY311, PACKYARD):
#   PACKYARD_DEB=FILE  time this refapp .deb instead of building one (untimed) first
#   CLASSIC_PYTHON=PATH  interpreter of the classic venv (default $PY311, the interpreter
#                      Packyard bundles with host:3.11)
#   WHATIF_GZIP=0      skip the informational run: dpkg -i of the same tree repacked with
#                      dpkg-deb -Zgzip (not what Packyard writes)
#   TARGET_INSTALL=10  the target for classic/packyard
#
# It purges the package (refapp) before each `dpkg -i` run and when it ends.

# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

TARGET_INSTALL=${TARGET_INSTALL:-10}
WHATIF_GZIP=${WHATIF_GZIP:-1}
CLASSIC_PYTHON=${CLASSIC_PYTHON:-$PY311}
WORK=$OUT/install
LOGS=$OUT/logs/install
VENV=$WORK/venv

contender dpkg "dpkg -i (packyard .deb)"
contender classic "venv + pip install"
contender gzip "dpkg -i (same tree, gzip)"

[ "$(id -u)" -eq 0 ] || die "dpkg -i needs root; run as root"
need dpkg
need dpkg-deb "dpkg"
need ar "binutils"
[ -x "$CLASSIC_PYTHON" ] || die "no interpreter at $CLASSIC_PYTHON (set CLASSIC_PYTHON)"
"$CLASSIC_PYTHON" -c 'import venv, ensurepip' 2>/dev/null || die "$CLASSIC_PYTHON has no venv/ensurepip"
mkdir -p "$WORK" "$LOGS"

section "Install benchmark: dpkg -i of Packyard's .deb vs fresh venv + pip install --no-index"
print_machine
ensure_wheelset

# ---- inputs (untimed) ---------------------------------------------------------------------

section "Inputs (untimed)"
if [ -n "${PACKYARD_DEB:-}" ]; then
    [ -f "$PACKYARD_DEB" ] || die "PACKYARD_DEB=$PACKYARD_DEB: no such file"
    DEB=$(cd "$(dirname "$PACKYARD_DEB")" && pwd)/$(basename "$PACKYARD_DEB")
    say "packyard .deb given: $DEB"
else
    packyard_prepare
    say "building it: packyard build bench/refapp --python host:$PY311 --format deb"
    packyard_build_deb "$WORK/packyard" >"$LOGS/packyard-build.log" 2>&1 \
        || { tail -n 25 "$LOGS/packyard-build.log" >&2; die "packyard build failed; log: $LOGS/packyard-build.log"; }
    DEB=$(the_deb "$WORK/packyard")
fi
PKG=$(dpkg-deb -f "$DEB" Package)
say "packyard .deb: $(basename "$DEB"), $(file_mib "$DEB"), $(ar t "$DEB" | grep '^data\.tar') with $(data_mib "$DEB") (package $PKG)"

# refapp's own wheel, built once by its PEP 517 backend (setuptools; `wheel` from Debian's
# offline wheel directory, as bench/README.md shows), from a copy so that bench/refapp stays clean
wheel_whl=$(find /usr/share/python-wheels -maxdepth 1 -name 'wheel-*.whl' 2>/dev/null | sort | tail -n 1)
rm -rf "$WORK/refapp-src" "$WORK/refapp-wheel"
cp -r "$REFAPP" "$WORK/refapp-src"
PYTHONPATH=${wheel_whl} "$CLASSIC_PYTHON" -m pip wheel -q --no-build-isolation --no-deps --no-index \
    -w "$WORK/refapp-wheel" "$WORK/refapp-src" >"$LOGS/refapp-wheel.log" 2>&1 \
    || { tail -n 20 "$LOGS/refapp-wheel.log" >&2; die "building refapp's wheel failed"; }
WHL=$(find "$WORK/refapp-wheel" -name 'refapp-*.whl' | head -n 1)
[ -n "$WHL" ] || die "no refapp wheel in $WORK/refapp-wheel"
say "refapp wheel: $(basename "$WHL"); classic venv: $CLASSIC_PYTHON ($("$CLASSIC_PYTHON" -V 2>&1), pip $("$CLASSIC_PYTHON" -c 'import ensurepip; print(ensurepip.version())'))"

if [ "$WHATIF_GZIP" = 1 ]; then
    rm -rf "$WORK/gzip-tree" "$WORK/gzip.deb"
    dpkg-deb -R "$DEB" "$WORK/gzip-tree"
    dpkg-deb --root-owner-group -Zgzip --build "$WORK/gzip-tree" "$WORK/gzip.deb" >/dev/null
    rm -rf "$WORK/gzip-tree"
    say "what-if: the same tree with dpkg-deb -Zgzip (level 9): $(file_mib "$WORK/gzip.deb")"
fi

installed() {   # installed, half-installed or config-files left: something to purge
    local status
    status=$(dpkg-query -W -f '${db:Status-Status}' "$PKG" 2>/dev/null) || return 1
    [ -n "$status" ] && [ "$status" != not-installed ]
}
purge() { if installed; then dpkg --purge "$PKG" >"$LOGS/purge.log" 2>&1 || { cat "$LOGS/purge.log" >&2; die "dpkg --purge $PKG failed"; }; fi; }
cleanup() { purge || true; rm -rf "$VENV"; }
if installed; then
    say "note: $PKG is installed; purging it first"
    purge
fi
trap cleanup EXIT

# check_app NAME COMMAND...: the installed app runs and imports its 30 distributions (untimed).
check_app() {
    local name=$1
    shift
    "$@" >"$LOGS/check-$name.log" 2>&1 || { tail -n 20 "$LOGS/check-$name.log" >&2; die "$name: refapp does not run"; }
    grep -q '^refapp: 30 distributions imported$' "$LOGS/check-$name.log" || die "$name: unexpected refapp output, see $LOGS/check-$name.log"
}
app_of_pkg() { dpkg -L "$PKG" | grep '/bin/refapp$' | head -n 1; }

dpkg_install() { dpkg -i "$1"; }
classic_install() {
    "$CLASSIC_PYTHON" -m venv "$VENV"
    "$VENV/bin/pip" install --no-index --find-links "$WHEELSET" "$WHL"
}

# ---- timed runs, interleaved --------------------------------------------------------------

section "Timed runs"
for ((i = 1; i <= RUNS; i++)); do
    purge
    sync
    timed dpkg "$i" dpkg_install "$DEB"
    check_app dpkg "$(app_of_pkg)"

    if [ "$WHATIF_GZIP" = 1 ]; then
        purge
        sync
        timed gzip "$i" dpkg_install "$WORK/gzip.deb"
        check_app gzip "$(app_of_pkg)"
    fi

    rm -rf "$VENV"
    sync
    timed classic "$i" classic_install
    check_app classic "$VENV/bin/refapp"
done
say "every run: refapp ran and imported its 30 distributions"
say "installed: packyard $(du -sm "$(dirname "$(dirname "$(readlink -f "$(app_of_pkg)")")")" | cut -f1) MiB (interpreter included), venv $(du -sm "$VENV" | cut -f1) MiB (interpreter outside)"

# ---- results ------------------------------------------------------------------------------

section "Results (wall clock, median of $RUNS)"
summary_row dpkg
summary_row classic
[ "$WHATIF_GZIP" = 1 ] && summary_row gzip

r=$(ratio "$(median classic)" "$(median dpkg)")
say ""
say "  classic / packyard          = ${r}x   (target >= ${TARGET_INSTALL}x: $(verdict "$r" ">=" "$TARGET_INSTALL"))"
say "      per run: $(run_ratios classic dpkg)"
if [ "$WHATIF_GZIP" = 1 ]; then
    say "  classic / gzip what-if      = $(ratio "$(median classic)" "$(median gzip)")x   (informational: not Packyard's compression)"
fi
say "  cpu time (user+sys), informational: classic / packyard = $(ratio "$(median_cpu classic)" "$(median_cpu dpkg)")x"
say ""
say "load at end: $(cut -d' ' -f1-3 /proc/loadavg); logs in $LOGS"

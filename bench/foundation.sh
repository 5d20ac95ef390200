#!/usr/bin/env bash
# The foundation benchmark in one run: bench/build-vs-floor.sh (packyard build --format deb of
# bench/refapp against the dpkg-deb floor and dh-virtualenv), then bench/install-vs-venv.sh
# installing the very .deb that benchmark's last timed Packyard build wrote (dpkg -i against a
# fresh venv + pip install --no-index), then both verdicts side by side. Runs by hand, as root,
# never in CI. Offline. See docs/benchmarks.md.
#
#   bench/foundation.sh                              # the default .deb compression (xz), RUNS=3
#   DEB_COMPRESSION=gzip RUNS=5 bench/foundation.sh  # refapp with [tool.packyard.deb] compression = "gzip"
#
# Every variable of the two scripts applies (RUNS, DEB_COMPRESSION, DHV, FLOOR_SINGLE, COLD,
# FRESH_FS, ...); GZIP defaults to 0 here, since the package under test already has the
# compression asked for. The two logs are kept in $BENCH_OUT (bench/out).

set -eu
BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
OUT=${BENCH_OUT:-$BENCH_DIR/out}
DEB_COMPRESSION=${DEB_COMPRESSION:-xz}
export DEB_COMPRESSION
mkdir -p "$OUT"
BUILD_LOG=$OUT/foundation-build-$DEB_COMPRESSION.log
INSTALL_LOG=$OUT/foundation-install-$DEB_COMPRESSION.log

[ "$(id -u)" -eq 0 ] || { echo "bench: error: dpkg -i needs root; run as root" >&2; exit 1; }

echo "== 1/2: bench/build-vs-floor.sh (log: $BUILD_LOG)"
"$BENCH_DIR/build-vs-floor.sh" 2>&1 | tee "$BUILD_LOG"
deb=$(find "$OUT/build/packyard" -maxdepth 1 -name '*.deb' | sort | head -n 1)
[ -n "$deb" ] || { echo "bench: error: the build benchmark left no .deb in $OUT/build/packyard" >&2; exit 1; }
# install-vs-venv.sh works in $OUT/install; a copy keeps the build benchmark's output as it was
mkdir -p "$OUT/install"
cp "$deb" "$OUT/install/foundation-$DEB_COMPRESSION.deb"

echo
echo "== 2/2: bench/install-vs-venv.sh with that .deb (log: $INSTALL_LOG)"
PACKYARD_DEB=$OUT/install/foundation-$DEB_COMPRESSION.deb GZIP=${GZIP:-0} \
    "$BENCH_DIR/install-vs-venv.sh" 2>&1 | tee "$INSTALL_LOG"

echo
echo "== Foundation benchmark, .deb compression $DEB_COMPRESSION: $(basename "$deb") ($(stat -c %s "$deb") bytes)"
grep -E '^  packyard / floor  |^  packyard, cold cache / floor' "$BUILD_LOG" || true
grep -E '^  classic / packyard  ' "$INSTALL_LOG" || true

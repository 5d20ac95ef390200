#!/usr/bin/env bash
# MSI benchmark: Packyard's pure-Java MSI writer against wixl (msitools' WiX-like compiler),
# packaging the same generated tree of ~3,000 files / ~60 MB, in one run:
#   build:    MsiFormat through io.packyard.formats.msi.MsiBenchDriver (test scope; the tree is
#             the staged bundle) vs `wixl` on a .wxs that wixl-heat generated from the tree
#             (one component per file, as wixl-heat writes it);
#   size:     the two .msi files;
#   install:  `wine msiexec /i X.msi /qn` into a fresh wine prefix each (prefix creation untimed).
# Runs by hand, never in CI. Offline. See docs/benchmarks.md.
#
#   bench/msi-vs-wixl.sh                 # RUNS=3
#   RUNS=5 bench/msi-vs-wixl.sh
#
# Environment (besides those of bench/lib.sh: RUNS, BENCH_OUT, SOURCE_DATE_EPOCH):
#   TREE_FILES=3000   files in the generated tree (bench/msi/make-tree.py --files)
#   TREE_MB=60        its size in MB (--megabytes); ~30% compressible source-like text, the rest random
#   INSTALL=0         skip the install timings (no wine)
#   PACKYARD_BUILD_DIR=target-bench   the Maven build directory used to compile the driver
#
# Packyard's side differs from wixl's in what it writes besides the files: the installer
# dialogs (bitmaps, ~20 dialogs), Add/Remove Programs registration and upgrade logic, a
# component per directory with a registry key path. wixl writes no user interface.

# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

TREE_FILES=${TREE_FILES:-3000}
TREE_MB=${TREE_MB:-60}
INSTALL=${INSTALL:-1}
BUILD_DIR=${PACKYARD_BUILD_DIR:-target-bench}
WORK=$OUT/msi
LOGS=$OUT/logs/msi
TREE=$WORK/tree

contender packyard "packyard MsiFormat (driver)"
contender wixl "wixl"
contender packyard_install "msiexec /i (packyard .msi)"
contender wixl_install "msiexec /i (wixl .msi)"

need python3 "python3"
need wixl "msitools"
need wixl-heat "msitools"
need msiinfo "msitools"
if [ "$INSTALL" = 1 ]; then
    need wine "wine"
    need wineboot "wine"
    need wineserver "wine"
fi
mkdir -p "$WORK" "$LOGS"

section "MSI benchmark: Packyard (pure Java) vs wixl"
print_machine

# ---- the payload ----------------------------------------------------------------------------

section "Payload"
stamp="files=$TREE_FILES megabytes=$TREE_MB epoch=$SOURCE_DATE_EPOCH generator=$(sha256sum "$BENCH_DIR/msi/make-tree.py" | cut -c1-16)"
if [ ! -f "$WORK/tree.stamp" ] || [ "$(cat "$WORK/tree.stamp")" != "$stamp" ] || [ ! -d "$TREE" ]; then
    rm -rf "$TREE" "$WORK/tree.stamp"
    python3 "$BENCH_DIR/msi/make-tree.py" "$TREE" --files "$TREE_FILES" --megabytes "$TREE_MB" >"$LOGS/make-tree.log" 2>&1 \
        || { cat "$LOGS/make-tree.log" >&2; die "make-tree.py failed"; }
    echo "$stamp" >"$WORK/tree.stamp"
fi
tree_files=$(find "$TREE" -type f | wc -l)
tree_bytes=$(find "$TREE" -type f -printf '%s\n' | awk '{ t += $1 } END { print t }')
say "tree: $TREE: $tree_files files in $(find "$TREE" -mindepth 1 -type d | wc -l) directories, $tree_bytes bytes ($(mib "$tree_bytes")); gzip -6 of a tar of it: $(mib "$(tar -C "$TREE" -cf - . | gzip -6 | wc -c)")"

# ---- Packyard: the bench driver, compiled once and run from a snapshot ---------------------

section "Packyard driver (untimed): compile and snapshot"
JAVA_HOME=$(
    # shellcheck source=/dev/null
    . "$ROOT/scripts/jdk.sh" && echo "$JAVA_HOME"
) || die "no JDK 21+ found"
(
    cd "$ROOT" && JAVA_HOME=$JAVA_HOME ./mvnw -q -B -o "-Dpackyard.build.dir=$BUILD_DIR" -pl packyard-formats -am \
        test-compile dependency:build-classpath "-Dmdep.outputFile=$WORK/deps.cp"
) >"$LOGS/driver-build.log" 2>&1 || { tail -n 30 "$LOGS/driver-build.log" >&2; die "compiling the driver failed; log: $LOGS/driver-build.log"; }
rm -rf "$WORK/driver"
mkdir -p "$WORK/driver"
driver_cp=$WORK/driver/formats-test
cp -r "$ROOT/packyard-formats/$BUILD_DIR/test-classes" "$WORK/driver/formats-test"
for m in packyard-formats packyard-msi packyard-bundle packyard-python; do
    cp -r "$ROOT/$m/$BUILD_DIR/classes" "$WORK/driver/$m"
    driver_cp=$driver_cp:$WORK/driver/$m
done
# third-party jars only: the sibling modules come from the snapshot above
deps=$(tr ':' '\n' <"$WORK/deps.cp" | grep -v "^$ROOT/" | grep -v '/io/packyard/' | paste -sd: -)
DRIVER=("$JAVA_HOME/bin/java" -cp "$driver_cp:$deps" io.packyard.formats.msi.MsiBenchDriver)
say "driver: io.packyard.formats.msi.MsiBenchDriver, snapshot in $WORK/driver, java $("$JAVA_HOME/bin/java" -version 2>&1 | head -n 1)"

packyard_build() {
    "${DRIVER[@]}" "$TREE" "$WORK/packyard.msi"
}

# ---- wixl: the .wxs from wixl-heat ------------------------------------------------------------

section "wixl (untimed): wixl-heat over the tree"
t0=$EPOCHREALTIME
(cd "$TREE" && find . -type f | LC_ALL=C sort | sed 's|^\./||') \
    | wixl-heat -p "" --directory-ref INSTALLDIR --component-group Payload --var var.SourceDir --win64 >"$WORK/payload.wxs"
t1=$EPOCHREALTIME
say "wixl-heat: $(grep -c '<Component ' "$WORK/payload.wxs") components, $(grep -c '<File ' "$WORK/payload.wxs") files," \
    "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }') s (not part of the timed wixl runs); wixl $(wixl --version 2>&1 | head -n 1)"

wixl_build() {
    rm -f "$WORK/wixl.msi"
    # wixl resolves File/@Source against the current directory and refuses absolute paths
    cd "$WORK" && wixl -a x64 -D SourceDir=tree -D Win64=yes -o "$WORK/wixl.msi" "$BENCH_DIR/msi/product.wxs" "$WORK/payload.wxs"
}

# ---- timed builds, interleaved ------------------------------------------------------------------

section "Timed builds"
for ((i = 1; i <= RUNS; i++)); do
    timed packyard "$i" packyard_build
    sync
    timed wixl "$i" wixl_build
    sync
done
for ((i = 1; i <= RUNS; i++)); do
    say "  run $i: $(grep -h '^packyard msi:' "$LOGS/packyard-$i.log" | sed 's/; \/.*//')"
done

# both hold the whole tree
for f in packyard wixl; do
    n=$(msiinfo export "$WORK/$f.msi" File | tail -n +4 | grep -c .)
    [ "$n" -eq "$tree_files" ] || die "$f.msi lists $n files, the tree has $tree_files"
done
packyard_size=$(stat -c %s "$WORK/packyard.msi")
wixl_size=$(stat -c %s "$WORK/wixl.msi")

# ---- installs: wine msiexec /i /qn into a fresh prefix each ------------------------------------

fresh_prefix() {   # fresh_prefix DIR
    rm -rf "$1"
    mkdir -p "$1/home"
    env -u DISPLAY -u WAYLAND_DISPLAY HOME="$1/home" WINEPREFIX="$1" WINEARCH=win64 WINEDEBUG=-all \
        WINEDLLOVERRIDES="mscoree,mshtml=" wineboot -i >"$LOGS/wineboot.log" 2>&1 || die "wineboot -i failed for $1"
    WINEPREFIX=$1 wineserver -w
}
msi_install() {    # msi_install PREFIX MSI
    env -u DISPLAY -u WAYLAND_DISPLAY HOME="$1/home" WINEPREFIX="$1" WINEARCH=win64 WINEDEBUG=-all \
        WINEDLLOVERRIDES="mscoree,mshtml=" wine msiexec /i "$2" /qn
}
check_install() {  # check_install PREFIX DIR-UNDER-C: the tree is there, file for file
    WINEPREFIX=$1 wineserver -w
    local dir="$1/drive_c/$2" n
    n=$(find "$dir" -type f 2>/dev/null | wc -l)
    [ "$n" -eq "$tree_files" ] || die "installed $n files under $dir, expected $tree_files"
}

if [ "$INSTALL" = 1 ]; then
    section "Timed installs (wine msiexec /i X.msi /qn, fresh prefix each; wine $(wine --version 2>/dev/null))"
    for ((i = 1; i <= RUNS; i++)); do
        fresh_prefix "$WORK/prefix-packyard"
        timed packyard_install "$i" msi_install "$WORK/prefix-packyard" "$WORK/packyard.msi"
        check_install "$WORK/prefix-packyard" "Program Files/Packyard Bench/Bench Tree"
        fresh_prefix "$WORK/prefix-wixl"
        timed wixl_install "$i" msi_install "$WORK/prefix-wixl" "$WORK/wixl.msi"
        check_install "$WORK/prefix-wixl" "Program Files/Bench Tree"
    done
    # the prefixes link z: to /: remove the links before the directories
    find "$WORK/prefix-packyard" "$WORK/prefix-wixl" -type l -delete 2>/dev/null || true
    rm -rf "$WORK/prefix-packyard" "$WORK/prefix-wixl"
fi

# ---- results ------------------------------------------------------------------------------------

section "Results ($tree_files files, $(mib "$tree_bytes"))"
summary_row packyard
summary_row wixl
say "  build time packyard / wixl:     $(ratio "$(median packyard)" "$(median wixl)")   (per run: $(run_ratios packyard wixl))"
say "  MSI size:  packyard $(mib "$packyard_size") ($packyard_size bytes), wixl $(mib "$wixl_size") ($wixl_size bytes);" \
    "packyard / wixl = $(ratio "$packyard_size" "$wixl_size")"
if [ "$INSTALL" = 1 ]; then
    summary_row packyard_install
    summary_row wixl_install
    say "  install time packyard / wixl:   $(ratio "$(median packyard_install)" "$(median wixl_install)")   (per run: $(run_ratios packyard_install wixl_install))"
fi
say "  logs: $LOGS; packages: $WORK/packyard.msi, $WORK/wixl.msi"

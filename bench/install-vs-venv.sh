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
#   GZIP=0             skip the third contender: dpkg -i of Packyard's .deb built with
#                      [tool.packyard.deb] compression = "gzip" (a copy of bench/refapp)
#   PACKYARD_GZIP_DEB=FILE  time this .deb as that contender instead of building it
#   TARGET_INSTALL=10  the target for classic/packyard
#   FRESH_FS=1         each timed install writes into a file system made for it (default):
#                      an ext4 with mkfs.ext4's defaults (journal included, as Debian's
#                      installer makes it), loop-mounted where the package installs
#                      (/opt/<company>) or where the venv goes. FRESH_FS=0 installs into the
#                      machine's own file systems, as the benchmark did up to 2026-11-21.
#   FS_SIZE=4G         size of each fresh (sparse) file system image
#
# It purges the package (refapp) before each `dpkg -i` run and when it ends.
#
# Why fresh file systems: on an ext4 *without a journal* (this build machine's root file
# system) the kernel avoids reusing inodes freed in the last 60 s, or 360 s when their inode
# table block is dirty (fs/ext4/ialloc.c, recently_deleted()), by scanning past them one by one
# for every new inode. An install right after a purge of the same 3,800 files then spends most
# of its system time in that scan, more with every run; a machine installing the package once
# never does. Each contender gets the same treatment: a fresh, journaled ext4 per timed run.

# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

TARGET_INSTALL=${TARGET_INSTALL:-10}
GZIP=${GZIP:-1}
CLASSIC_PYTHON=${CLASSIC_PYTHON:-$PY311}
FRESH_FS=${FRESH_FS:-1}
FS_SIZE=${FS_SIZE:-4G}
WORK=$OUT/install
LOGS=$OUT/logs/install
VENV_FS=$WORK/venv-fs     # the classic venv's file system (its mount point with FRESH_FS=1)
VENV=$VENV_FS/venv

contender dpkg "dpkg -i (packyard .deb)"
contender classic "venv + pip install"
contender gzip "dpkg -i (packyard .deb, gzip)"

[ "$(id -u)" -eq 0 ] || die "dpkg -i needs root; run as root"
need dpkg
need dpkg-deb "dpkg"
need ar "binutils"
case $FRESH_FS in 0 | 1) ;; *) die "FRESH_FS must be 0 or 1, not '$FRESH_FS'" ;; esac
if [ "$FRESH_FS" = 1 ]; then
    need mkfs.ext4 "e2fsprogs"
    need mount
    need losetup "mount"
fi
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
# Where the package installs: /opt/<company>/<product>; its fresh file system goes on /opt/<company>.
# (sort reads everything: a head closing the pipe early would make dpkg-deb report a broken pipe)
PKG_ROOT=$(dpkg-deb -c "$DEB" | awk '{ print $6 }' | sed -n 's#^\./opt/\([^/]*\)/.*#/opt/\1#p' | sort -u | head -n 1)
[ -n "$PKG_ROOT" ] || die "$DEB installs nothing under /opt/<company>/"
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

if [ "$GZIP" = 1 ]; then
    if [ -n "${PACKYARD_GZIP_DEB:-}" ]; then
        [ -f "$PACKYARD_GZIP_DEB" ] || die "PACKYARD_GZIP_DEB=$PACKYARD_GZIP_DEB: no such file"
        GZ_DEB=$PACKYARD_GZIP_DEB
    else
        [ -n "${PACKYARD_CMD+x}" ] || packyard_prepare
        say "building it: packyard build (bench/refapp with deb.compression = \"gzip\") --format deb"
        packyard_build_deb "$WORK/packyard-gzip" "$(refapp_project gzip)" >"$LOGS/packyard-gzip-build.log" 2>&1 \
            || { tail -n 25 "$LOGS/packyard-gzip-build.log" >&2; die "packyard build failed; log: $LOGS/packyard-gzip-build.log"; }
        GZ_DEB=$(the_deb "$WORK/packyard-gzip")
    fi
    ar t "$GZ_DEB" | grep -qx 'data.tar.gz' || die "$GZ_DEB has no data.tar.gz member"
    say "packyard .deb, gzip: $(file_mib "$GZ_DEB"), $(ar t "$GZ_DEB" | grep '^data\.tar') with $(data_mib "$GZ_DEB")"
fi

installed() {   # installed, half-installed or config-files left: something to purge
    local status
    status=$(dpkg-query -W -f '${db:Status-Status}' "$PKG" 2>/dev/null) || return 1
    [ -n "$status" ] && [ "$status" != not-installed ]
}
purge() { if installed; then dpkg --purge "$PKG" >"$LOGS/purge.log" 2>&1 || { cat "$LOGS/purge.log" >&2; die "dpkg --purge $PKG failed"; }; fi; }

# fresh_fs NAME MOUNT_POINT: (FRESH_FS=1) a new ext4 made with mkfs.ext4's defaults in a sparse
# image $WORK/NAME.img, loop-mounted on MOUNT_POINT (whatever was mounted there is unmounted);
# (FRESH_FS=0) nothing. Untimed.
fresh_fs() {
    [ "$FRESH_FS" = 1 ] || return 0
    local img=$WORK/$1.img
    drop_fs "$2"
    rm -f "$img"
    truncate -s "$FS_SIZE" "$img"
    mkfs.ext4 -q -F "$img" >"$LOGS/mkfs-$1.log" 2>&1 || { cat "$LOGS/mkfs-$1.log" >&2; die "mkfs.ext4 $img failed"; }
    mkdir -p "$2"
    mount -o loop "$img" "$2" || die "mount -o loop $img $2 failed"
    rmdir "$2/lost+found"
}
drop_fs() { if mountpoint -q "$1"; then umount "$1" || die "umount $1 failed"; fi; }
cleanup() {
    purge || true
    rm -rf "$VENV"
    if [ "$FRESH_FS" = 1 ]; then
        drop_fs "$PKG_ROOT"; rmdir "$PKG_ROOT" 2>/dev/null || true
        drop_fs "$VENV_FS"
        rm -f "$WORK/opt.img" "$WORK/venv.img"
    fi
}
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
    # pip's temporary files on the venv's file system too (TMPDIR=/tmp would be the machine's)
    mkdir -p "$VENV_FS/tmp"
    TMPDIR=$VENV_FS/tmp "$VENV/bin/pip" install --no-index --find-links "$WHEELSET" "$WHL"
}
if [ "$FRESH_FS" = 1 ]; then
    [ -e "$PKG_ROOT" ] && ! mountpoint -q "$PKG_ROOT" && [ -n "$(ls -A "$PKG_ROOT")" ] \
        && die "$PKG_ROOT exists and is not empty: FRESH_FS=1 would mount over it"
    say "file systems: each timed install into a fresh ext4 ($(mkfs.ext4 -V 2>&1 | head -n 1); defaults, journal included; $FS_SIZE sparse image, loop-mounted) on $PKG_ROOT (dpkg) or $VENV_FS (venv); dpkg's database stays in /var/lib/dpkg"
else
    say "file systems: the machine's own ($(findmnt -n -o FSTYPE,OPTIONS -T /opt | cut -c1-60)...) (FRESH_FS=0)"
fi

# ---- timed runs, interleaved --------------------------------------------------------------

section "Timed runs"
for ((i = 1; i <= RUNS; i++)); do
    purge
    fresh_fs opt "$PKG_ROOT"
    sync
    timed dpkg "$i" dpkg_install "$DEB"
    check_app dpkg "$(app_of_pkg)"

    if [ "$GZIP" = 1 ]; then
        purge
        fresh_fs opt "$PKG_ROOT"
        sync
        timed gzip "$i" dpkg_install "$GZ_DEB"
        check_app gzip "$(app_of_pkg)"
    fi

    rm -rf "$VENV"
    fresh_fs venv "$VENV_FS"
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
[ "$GZIP" = 1 ] && summary_row gzip

r=$(ratio "$(median classic)" "$(median dpkg)")
say ""
say "  classic / packyard          = ${r}x   (target >= ${TARGET_INSTALL}x: $(verdict "$r" ">=" "$TARGET_INSTALL"))"
say "      per run: $(run_ratios classic dpkg)"
if [ "$GZIP" = 1 ]; then
    r_gz=$(ratio "$(median classic)" "$(median gzip)")
    say "  classic / packyard, gzip    = ${r_gz}x   (deb.compression = \"gzip\"; target >= ${TARGET_INSTALL}x: $(verdict "$r_gz" ">=" "$TARGET_INSTALL"))"
    say "      per run: $(run_ratios classic gzip)"
fi
say "  cpu time (user+sys), informational: classic / packyard = $(ratio "$(median_cpu classic)" "$(median_cpu dpkg)")x"
say ""
say "load at end: $(cut -d' ' -f1-3 /proc/loadavg); logs in $LOGS"

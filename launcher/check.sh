#!/bin/sh
# Checks that the committed Windows launchers are exactly what launcher.c builds to: rebuilds
# them into a temporary directory with build.sh and compares byte for byte. CI runs this; it
# exits non-zero, naming the differing file, when a launcher was changed without rebuilding
# (or rebuilt from other sources or with another toolchain).
set -eu

here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd -P)
root=$(dirname -- "$here")
committed=$root/packyard-python/src/main/resources/io/packyard/python/wheel/windows
work=$(mktemp -d "${TMPDIR:-/tmp}/packyard-launcher-check.XXXXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

"$here/build.sh" --output "$work" >/dev/null

status=0
for exe in launcher-console-x64.exe launcher-gui-x64.exe; do
    if [ ! -f "$committed/$exe" ]; then
        echo "check.sh: MISSING $committed/$exe; run launcher/build.sh" >&2
        status=1
    elif ! cmp -s "$committed/$exe" "$work/$exe"; then
        echo "check.sh: MISMATCH $exe: the committed binary differs from a rebuild of launcher/launcher.c" >&2
        echo "  committed: $(sha256sum < "$committed/$exe" | cut -d' ' -f1) ($(wc -c < "$committed/$exe") bytes)" >&2
        echo "  rebuilt:   $(sha256sum < "$work/$exe" | cut -d' ' -f1) ($(wc -c < "$work/$exe") bytes)" >&2
        status=1
    fi
done
if [ "$status" -ne 0 ]; then
    echo "check.sh: the committed launchers were built with:" >&2
    sed 's/^/    /' "$here/toolchain.txt" >&2
    echo "check.sh: this machine has:" >&2
    { "${CC:-x86_64-w64-mingw32-gcc}" --version | head -n 1
      "${WINDRES:-x86_64-w64-mingw32-windres}" --version | head -n 1; } | sed 's/^/    /' >&2
    echo "check.sh: if launcher.c changed, run launcher/build.sh and commit the binaries" >&2
    exit 1
fi
echo "check.sh: the committed launchers match a rebuild of launcher/launcher.c"

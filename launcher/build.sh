#!/bin/sh
# Builds Packyard's Windows launchers (x64) from launcher.c, reproducibly:
#   launcher-console-x64.exe  console subsystem (console scripts)
#   launcher-gui-x64.exe      GUI subsystem (GUI scripts, install hooks)
#
# Usage: launcher/build.sh [--output DIR]
#   Without --output the binaries replace the committed ones in
#   packyard-python/src/main/resources/io/packyard/python/wheel/windows/ and toolchain.txt
#   records the compiler and binutils versions used. check.sh uses --output to rebuild into a
#   temporary directory and compare.
#
# Reproducible: the sources are compiled in a fresh temporary directory under fixed relative
# names, with fixed flags, no C runtime (no startup objects or static libraries whose contents
# vary), no PE timestamp (--no-insert-timestamp), no compiler ident string, stripped. The
# output depends only on the sources and the mingw-w64 gcc/binutils versions (toolchain.txt).
set -eu

here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd -P)
root=$(dirname -- "$here")
committed=$root/packyard-python/src/main/resources/io/packyard/python/wheel/windows
output=$committed
while [ $# -gt 0 ]; do
    case $1 in
        --output) [ $# -ge 2 ] || { echo "build.sh: --output needs a directory" >&2; exit 2; }
                  output=$2; shift 2 ;;
        *) echo "usage: build.sh [--output DIR]" >&2; exit 2 ;;
    esac
done

CC=${CC:-x86_64-w64-mingw32-gcc}
WINDRES=${WINDRES:-x86_64-w64-mingw32-windres}
for tool in "$CC" "$WINDRES"; do
    command -v "$tool" >/dev/null 2>&1 || {
        echo "build.sh: $tool not found (Debian: apt-get install gcc-mingw-w64-x86-64)" >&2
        exit 1
    }
done

export LC_ALL=C TZ=UTC SOURCE_DATE_EPOCH=0
work=$(mktemp -d "${TMPDIR:-/tmp}/packyard-launcher.XXXXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
cp "$here/launcher.c" "$here/launcher.rc" "$here/launcher.manifest" "$work/"
cd "$work"

CFLAGS="-std=c11 -Os -Wall -Wextra -Werror -Wno-cast-function-type
 -fno-ident -fno-stack-protector -fno-tree-loop-distribute-patterns -fno-builtin
 -ffile-prefix-map=$work=. -mno-stack-arg-probe"
LDFLAGS="-nostdlib -nostartfiles -s -Wl,--entry=launcher_entry
 -Wl,--no-insert-timestamp -Wl,--dynamicbase -Wl,--nxcompat -Wl,--high-entropy-va
 -Wl,--file-alignment=512 -Wl,--section-alignment=4096"

# shellcheck disable=SC2086 # the flag lists are meant to split
"$CC" $CFLAGS -c launcher.c -o launcher.o
"$WINDRES" --input-format=rc --output-format=coff -i launcher.rc -o launcher.res.o
# shellcheck disable=SC2086
"$CC" $LDFLAGS -o launcher-console-x64.exe launcher.o launcher.res.o -Wl,--subsystem,console -lkernel32
# shellcheck disable=SC2086
"$CC" $LDFLAGS -mwindows -o launcher-gui-x64.exe launcher.o launcher.res.o -Wl,--subsystem,windows -lkernel32

mkdir -p "$output"
for exe in launcher-console-x64.exe launcher-gui-x64.exe; do
    cp "$exe" "$output/.$exe.tmp"
    mv -f "$output/.$exe.tmp" "$output/$exe"
done
if [ "$output" = "$committed" ]; then
    {
        "$CC" --version | head -n 1
        "$WINDRES" --version | head -n 1
    } > "$here/toolchain.txt"
fi
for exe in launcher-console-x64.exe launcher-gui-x64.exe; do
    echo "built $output/$exe ($(wc -c < "$output/$exe") bytes)"
done

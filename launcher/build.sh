#!/bin/sh
# Builds Packyard's Windows launchers (x64) from launcher.c (and winproc.h, shared with the
# Windows onefile stub), reproducibly:
#   launcher-console-x64.exe  console subsystem (console scripts)
#   launcher-gui-x64.exe      GUI subsystem (GUI scripts, install hooks)
#
# Usage: launcher/build.sh [--output DIR | --toolchain]
#   Without --output the binaries replace the committed ones in
#   packyard-python/src/main/resources/io/packyard/python/wheel/windows/ and toolchain.txt
#   records the compiler and binutils versions used. check.sh uses --output to rebuild into a
#   temporary directory and compare; --toolchain prints this machine's versions of those tools.
#
# Reproducible: the sources are compiled in a fresh temporary directory under fixed relative
# names, with fixed flags, no C runtime (no startup objects or static libraries whose contents
# vary), no PE timestamp (--no-insert-timestamp), no compiler ident string, stripped. The
# output depends only on the sources and the mingw-w64 gcc/binutils versions (toolchain.txt).
set -eu

here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd -P)
root=$(dirname -- "$here")
committed=$root/packyard-python/src/main/resources/io/packyard/python/wheel/windows
CC=${CC:-x86_64-w64-mingw32-gcc}
WINDRES=${WINDRES:-x86_64-w64-mingw32-windres}
toolchain() {
    "$CC" --version | head -n 1
    "$WINDRES" --version | head -n 1
}
. "$root/scripts/committed-binaries.sh"
binaries_options "$@"
binaries_require "$CC" gcc-mingw-w64-x86-64
binaries_require "$WINDRES" gcc-mingw-w64-x86-64

export LC_ALL=C TZ=UTC SOURCE_DATE_EPOCH=0
binaries_workdir launcher
cp "$here/launcher.c" "$here/winproc.h" "$here/launcher.rc" "$here/launcher.manifest" "$work/"
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

binaries_install "" launcher-console-x64.exe launcher-gui-x64.exe

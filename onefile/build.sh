#!/bin/sh
# Builds Packyard's onefile stubs from stub.c and stub-windows.c (both include payload.h;
# stub-windows.c also winproc.h, a link to launcher/winproc.h), reproducibly:
#   stub-linux-x86_64    with gcc
#   stub-linux-aarch64   with aarch64-linux-gnu-gcc
#   stub-windows-x64-console.exe, stub-windows-x64-gui.exe   from stub-windows.c with
#                        x86_64-w64-mingw32-gcc (console and GUI subsystem; same code)
#
# Usage: onefile/build.sh [--output DIR | --toolchain]
#   Without --output the stubs replace the committed ones in
#   packyard-formats/src/main/resources/io/packyard/formats/onefile/ and toolchain.txt records
#   the compiler and binutils versions used. check.sh uses --output to rebuild into a temporary
#   directory and compare; --toolchain prints this machine's versions of those tools.
#
# Reproducible: the source is compiled in a fresh temporary directory under a fixed name, with
# fixed flags, no C library and no startup files (raw system calls, our own _start), static,
# no build ID, no compiler ident string, stripped. The output depends only on the sources and the
# gcc/binutils versions (toolchain.txt); the kernel headers only supply constants. The Windows
# stubs are built like launcher/: no C runtime, no PE timestamp (--no-insert-timestamp).
set -eu

here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd -P)
root=$(dirname -- "$here")
committed=$root/packyard-formats/src/main/resources/io/packyard/formats/onefile
CC_X86_64=${CC_X86_64:-gcc}
CC_AARCH64=${CC_AARCH64:-aarch64-linux-gnu-gcc}
CC_MINGW=${CC_MINGW:-x86_64-w64-mingw32-gcc}
WINDRES=${WINDRES:-x86_64-w64-mingw32-windres}
toolchain() {
    "$CC_X86_64" --version | head -n 1
    ld --version | head -n 1
    "$CC_AARCH64" --version | head -n 1
    aarch64-linux-gnu-ld --version | head -n 1
    "$CC_MINGW" --version | head -n 1
    "$WINDRES" --version | head -n 1
}
. "$root/scripts/committed-binaries.sh"
binaries_options "$@"
binaries_require "$CC_X86_64" gcc
binaries_require "$CC_AARCH64" gcc-aarch64-linux-gnu
binaries_require "$CC_MINGW" gcc-mingw-w64-x86-64
binaries_require "$WINDRES" gcc-mingw-w64-x86-64

export LC_ALL=C TZ=UTC SOURCE_DATE_EPOCH=0
binaries_workdir onefile
cp "$here/stub.c" "$here/stub-windows.c" "$here/payload.h" "$here/winproc.h" "$here/stub-windows.rc" "$here/stub-windows.manifest" "$work/"
cd "$work"

CFLAGS="-std=c11 -O2 -Wall -Wextra -Werror -ffreestanding -fno-builtin
 -fno-stack-protector -fno-tree-loop-distribute-patterns -fno-pic -fno-pie
 -fno-asynchronous-unwind-tables -fno-unwind-tables -fno-ident -fno-plt
 -ffile-prefix-map=$work=."
LDFLAGS="-nostdlib -nostartfiles -static -no-pie -s -Wl,--build-id=none -Wl,-z,noexecstack
 -Wl,--hash-style=gnu -Wl,--no-undefined"

# shellcheck disable=SC2086 # the flag lists are meant to split
"$CC_X86_64" $CFLAGS -march=x86-64 -mtune=generic $LDFLAGS -Wl,-z,max-page-size=4096 -o stub-linux-x86_64 stub.c
# shellcheck disable=SC2086
"$CC_AARCH64" $CFLAGS -march=armv8-a -mtune=generic -mno-outline-atomics $LDFLAGS -Wl,-z,max-page-size=65536 -o stub-linux-aarch64 stub.c

# Windows: the flags of launcher/build.sh (entry point stub_entry, kernel32 only)
WCFLAGS="-std=c11 -Os -Wall -Wextra -Werror -Wno-cast-function-type
 -fno-ident -fno-stack-protector -fno-tree-loop-distribute-patterns -fno-builtin
 -ffile-prefix-map=$work=. -mno-stack-arg-probe"
WLDFLAGS="-nostdlib -nostartfiles -s -Wl,--entry=stub_entry
 -Wl,--no-insert-timestamp -Wl,--dynamicbase -Wl,--nxcompat -Wl,--high-entropy-va
 -Wl,--file-alignment=512 -Wl,--section-alignment=4096"
# shellcheck disable=SC2086
"$CC_MINGW" $WCFLAGS -c stub-windows.c -o stub-windows.o
"$WINDRES" --input-format=rc --output-format=coff -i stub-windows.rc -o stub-windows.res.o
# shellcheck disable=SC2086
"$CC_MINGW" $WLDFLAGS -o stub-windows-x64-console.exe stub-windows.o stub-windows.res.o -Wl,--subsystem,console -lkernel32
# shellcheck disable=SC2086
"$CC_MINGW" $WLDFLAGS -mwindows -o stub-windows-x64-gui.exe stub-windows.o stub-windows.res.o -Wl,--subsystem,windows -lkernel32

binaries_install 0644 stub-linux-x86_64 stub-linux-aarch64 stub-windows-x64-console.exe stub-windows-x64-gui.exe

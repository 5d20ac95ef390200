#!/bin/sh
# Checks that the committed onefile stubs are exactly what stub.c builds to: rebuilds them into
# a temporary directory with build.sh and compares byte for byte. CI runs this (and
# OnefileStubBinariesTest runs it too); it exits non-zero, naming the differing file, when a
# stub was changed without rebuilding (or rebuilt from other sources or with another toolchain).
set -eu

here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd -P)
root=$(dirname -- "$here")
committed=$root/packyard-formats/src/main/resources/io/packyard/formats/onefile
work=$(mktemp -d "${TMPDIR:-/tmp}/packyard-onefile-check.XXXXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

"$here/build.sh" --output "$work" >/dev/null

status=0
for stub in stub-linux-x86_64 stub-linux-aarch64; do
    if [ ! -f "$committed/$stub" ]; then
        echo "check.sh: MISSING $committed/$stub; run onefile/build.sh" >&2
        status=1
    elif ! cmp -s "$committed/$stub" "$work/$stub"; then
        echo "check.sh: MISMATCH $stub: the committed binary differs from a rebuild of onefile/stub.c" >&2
        echo "  committed: $(sha256sum < "$committed/$stub" | cut -d' ' -f1) ($(wc -c < "$committed/$stub") bytes)" >&2
        echo "  rebuilt:   $(sha256sum < "$work/$stub" | cut -d' ' -f1) ($(wc -c < "$work/$stub") bytes)" >&2
        status=1
    fi
done
if [ "$status" -ne 0 ]; then
    echo "check.sh: the committed stubs were built with:" >&2
    sed 's/^/    /' "$here/toolchain.txt" >&2
    echo "check.sh: this machine has:" >&2
    { "${CC_X86_64:-gcc}" --version | head -n 1
      ld --version | head -n 1
      "${CC_AARCH64:-aarch64-linux-gnu-gcc}" --version | head -n 1
      aarch64-linux-gnu-ld --version | head -n 1; } | sed 's/^/    /' >&2
    echo "check.sh: if stub.c changed, run onefile/build.sh and commit the binaries" >&2
    exit 1
fi
echo "check.sh: the committed onefile stubs match a rebuild of onefile/stub.c"

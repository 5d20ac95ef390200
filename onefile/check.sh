#!/bin/sh
# Checks that the committed onefile stubs are exactly what stub.c builds to: rebuilds them into
# a temporary directory with build.sh and compares byte for byte. CI runs this (and
# OnefileStubBinariesTest runs it too); it exits non-zero, naming the differing file, when a
# stub was changed without rebuilding (or rebuilt from other sources or with another toolchain).
set -eu

here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd -P)
root=$(dirname -- "$here")
committed=$root/packyard-formats/src/main/resources/io/packyard/formats/onefile
. "$root/scripts/committed-binaries.sh"

binaries_check "stub.c, stub-windows.c and their headers" stubs "onefile stubs" stub-linux-x86_64 stub-linux-aarch64 \
    stub-windows-x64-console.exe stub-windows-x64-gui.exe

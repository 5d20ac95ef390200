#!/bin/sh
# Checks that the committed Windows launchers are exactly what launcher.c builds to: rebuilds
# them into a temporary directory with build.sh and compares byte for byte. CI runs this; it
# exits non-zero, naming the differing file, when a launcher was changed without rebuilding
# (or rebuilt from other sources or with another toolchain).
set -eu

here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd -P)
root=$(dirname -- "$here")
committed=$root/packyard-python/src/main/resources/io/packyard/python/wheel/windows
. "$root/scripts/committed-binaries.sh"

binaries_check "launcher.c and winproc.h" launchers launchers launcher-console-x64.exe launcher-gui-x64.exe

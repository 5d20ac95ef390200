# shellcheck shell=sh disable=SC2154 # here and committed are set by the sourcing script
# Sourced by launcher/ and onefile/ build.sh and check.sh: the parts of building committed
# binaries reproducibly and checking them against a rebuild that do not depend on what is built.
#
# The caller sets
#   here       its own directory (launcher/ or onefile/), holding build.sh and toolchain.txt
#   committed  the directory the binaries are committed in
# and build.sh defines toolchain(), printing one line per tool version (toolchain.txt).

# build.sh's options: --output DIR (sets output; default: committed) or --toolchain (prints the
# versions of this machine's tools and exits).
binaries_options() {
    output=$committed
    while [ $# -gt 0 ]; do
        case $1 in
            --output) [ $# -ge 2 ] || { echo "build.sh: --output needs a directory" >&2; exit 2; }
                      output=$2; shift 2 ;;
            --toolchain) toolchain; exit 0 ;;
            *) echo "usage: build.sh [--output DIR | --toolchain]" >&2; exit 2 ;;
        esac
    done
}

# binaries_require TOOL PACKAGE: exits 1 unless TOOL is on PATH, naming the Debian package.
binaries_require() {
    command -v "$1" >/dev/null 2>&1 || {
        echo "build.sh: $1 not found (Debian: apt-get install $2)" >&2
        exit 1
    }
}

# binaries_workdir NAME: a fresh temporary directory in $work, removed when the script ends.
binaries_workdir() {
    work=$(mktemp -d "${TMPDIR:-/tmp}/packyard-$1.XXXXXXXX")
    trap 'rm -rf "$work"' EXIT INT TERM
}

# binaries_install MODE FILE...: moves each FILE of the current directory into $output
# (through a temporary name; chmod MODE first unless MODE is empty), records toolchain.txt
# when $output is the committed directory, and reports the sizes.
binaries_install() {
    mode=$1; shift
    mkdir -p "$output"
    for f in "$@"; do
        cp "$f" "$output/.$f.tmp"
        if [ -n "$mode" ]; then chmod "$mode" "$output/.$f.tmp"; fi
        mv -f "$output/.$f.tmp" "$output/$f"
    done
    if [ "$output" = "$committed" ]; then
        toolchain > "$here/toolchain.txt"
    fi
    for f in "$@"; do
        echo "built $output/$f ($(wc -c < "$output/$f") bytes)"
    done
}

# binaries_check SOURCE BUILT MATCHED FILE...: rebuilds with build.sh into a temporary directory
# and compares each committed FILE byte for byte. On a difference names the file, prints both
# hashes and both toolchains and exits 1 ("the committed BUILT were built with"); otherwise
# reports "the committed MATCHED match a rebuild of DIR/SOURCE".
binaries_check() {
    src=$1 built=$2 matched=$3; shift 3
    dir=$(basename -- "$here")
    binaries_workdir "$dir-check"
    "$here/build.sh" --output "$work" >/dev/null

    status=0
    for f in "$@"; do
        if [ ! -f "$committed/$f" ]; then
            echo "check.sh: MISSING $committed/$f; run $dir/build.sh" >&2
            status=1
        elif ! cmp -s "$committed/$f" "$work/$f"; then
            echo "check.sh: MISMATCH $f: the committed binary differs from a rebuild of $dir/$src" >&2
            echo "  committed: $(sha256sum < "$committed/$f" | cut -d' ' -f1) ($(wc -c < "$committed/$f") bytes)" >&2
            echo "  rebuilt:   $(sha256sum < "$work/$f" | cut -d' ' -f1) ($(wc -c < "$work/$f") bytes)" >&2
            status=1
        fi
    done
    if [ "$status" -ne 0 ]; then
        echo "check.sh: the committed $built were built with:" >&2
        sed 's/^/    /' "$here/toolchain.txt" >&2
        echo "check.sh: this machine has:" >&2
        "$here/build.sh" --toolchain | sed 's/^/    /' >&2
        echo "check.sh: if $src changed, run $dir/build.sh and commit the binaries" >&2
        exit 1
    fi
    echo "check.sh: the committed $matched match a rebuild of $dir/$src"
}

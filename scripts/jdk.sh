# shellcheck shell=sh
# Sourced by ./packyard and ./run-tests: sets JAVA_HOME to a JDK 21 or newer
# (JAVA_HOME if it is one, otherwise the newest JDK under /usr/lib/jvm or on PATH).
java_major() {
    "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p'
}
find_jdk() {
    if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/javac" ] && [ "$(java_major "$JAVA_HOME/bin/java")" -ge 21 ] 2>/dev/null; then
        echo "$JAVA_HOME"; return 0
    fi
    best=""; best_v=0
    for d in /usr/lib/jvm/* /usr/local/opt/openjdk*/libexec/openjdk.jdk/Contents/Home /Library/Java/JavaVirtualMachines/*/Contents/Home; do
        [ -x "$d/bin/javac" ] || continue
        v=$(java_major "$d/bin/java"); [ -n "$v" ] || continue
        if [ "$v" -ge 21 ] && [ "$v" -gt "$best_v" ]; then best=$d; best_v=$v; fi
    done
    if [ -z "$best" ] && command -v javac >/dev/null 2>&1; then
        d=$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")
        if [ "$(java_major "$d/bin/java")" -ge 21 ] 2>/dev/null; then best=$d; fi
    fi
    if [ -z "$best" ]; then
        echo "packyard: no JDK 21 or newer found; install one (e.g. apt-get install openjdk-21-jdk) or set JAVA_HOME" >&2
        return 2
    fi
    echo "$best"
}
JAVA_HOME=$(find_jdk) || exit 2
export JAVA_HOME

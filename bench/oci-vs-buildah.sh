#!/usr/bin/env bash
# OCI image benchmark: `packyard build bench/refapp --format oci` against a Dockerfile-equivalent
# image of the very same application tree built with buildah:
#
#   packyard oci     packyard build --format oci (the whole pipeline: resolve, install, bytecode,
#                    layers, image archive)
#   packyard tar.gz  packyard build --format tar.gz: the same pipeline with a plain archive (gzip -9;
#                    image layers are gzip -6), for scale
#   buildah          buildah bud --layers --isolation chroot of a Containerfile that COPYs the
#                    tree Packyard staged, split the same way (interpreter, dependencies,
#                    application, account files), sets USER/WORKDIR/ENV/ENTRYPOINT/LABELs, then
#                    buildah push to an oci-archive; vfs storage emptied before every run (no cache)
#
# Both build on the same base image: a minimal root file system made here from this machine's
# files (dash, coreutils, the libraries the host Python and its extension modules need),
# committed once with buildah to an oci-archive. Offline. Runs by hand, never in CI.
#
#   bench/oci-vs-buildah.sh            # RUNS=3
#   RUNS=5 bench/oci-vs-buildah.sh
#
# Environment: see bench/lib.sh (RUNS, BENCH_OUT, PY311, PACKYARD).

# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

WORK=$OUT/oci
LOGS=$OUT/logs/oci
PY_PREFIX=$(cd "$(dirname "$PY311")/.." && pwd)
PREFIX=/opt/packyard-bench/refapp
BH=(buildah --storage-driver vfs --root "$WORK/buildah/root" --runroot "$WORK/buildah/run")

contender packyard_oci "packyard build --format oci"
contender packyard_tgz "packyard build --format tar.gz"
contender buildah "buildah bud + push oci-archive"

need buildah "buildah"
need skopeo "skopeo"
need ldd "libc-bin"
[ "$(id -u)" = 0 ] || die "run as root (buildah --isolation chroot with vfs storage)"
rm -rf "$WORK"
mkdir -p "$WORK" "$LOGS"

section "OCI image benchmark: packyard --format oci vs buildah (Dockerfile-equivalent layout)"
print_machine
say "buildah:   $(buildah --version)"
ensure_wheelset
packyard_prepare

# ---- the base image: host files, committed once -------------------------------------------
section "Base image (host files; not timed)"
ROOTFS=$WORK/base-rootfs
copy_file() { # HOST_PATH PATH_IN_IMAGE
    local to=$ROOTFS$2
    [ -e "$to" ] && return 0
    mkdir -p "$(dirname "$to")"
    cp -L "$1" "$to"
}
mkdir -p "$ROOTFS/usr/bin" "$ROOTFS/usr/lib" "$ROOTFS/usr/lib64" "$ROOTFS/etc" "$ROOTFS/tmp" "$ROOTFS/dev" "$ROOTFS/proc"
chmod 1777 "$ROOTFS/tmp"
ln -s usr/bin "$ROOTFS/bin"
ln -s usr/lib "$ROOTFS/lib"
ln -s usr/lib64 "$ROOTFS/lib64"
copy_file /bin/dash /usr/bin/sh
for p in readlink dirname id cat ls; do copy_file "/usr/bin/$p" "/usr/bin/$p"; done
elfs=(/bin/dash /usr/bin/readlink /usr/bin/dirname /usr/bin/id /usr/bin/cat /usr/bin/ls "$PY311")
while IFS= read -r so; do elfs+=("$so"); done < <(find "$PY_PREFIX/lib" -path '*/lib-dynload/*.so' | sort)
for e in "${elfs[@]}"; do
    ldd "$e" 2>/dev/null | awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^\//) { print $i; break } }' \
        | while IFS= read -r lib; do
            case $lib in
                /usr/lib*) copy_file "$lib" "$lib" ;;
                /lib*) copy_file "$lib" "/usr$lib" ;;
            esac
        done
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n' >"$ROOTFS/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$ROOTFS/etc/group"
ctr=$("${BH[@]}" from scratch)
"${BH[@]}" copy "$ctr" "$ROOTFS" / >/dev/null
"${BH[@]}" config --env PATH=/usr/local/bin:/usr/bin:/bin --cmd /bin/sh "$ctr"
"${BH[@]}" commit --format oci --quiet "$ctr" "oci-archive:$WORK/base.tar" >/dev/null
"${BH[@]}" rm "$ctr" >/dev/null
BASE=$WORK/base.tar
say "base: $BASE, $(file_mib "$BASE")"

# ---- the project, pointed at the base ------------------------------------------------------
mkdir -p "$WORK/project"
( cd "$REFAPP" && tar --exclude=./build --exclude='*.egg-info' -cf - . ) | tar -C "$WORK/project" -xf -
ln -s "$WHEELSET" "$WORK/wheelset"   # refapp's find-links = ["../wheelset"]
printf '\n[tool.packyard.oci]\nbase = "archive:%s"\n' "$BASE" >>"$WORK/project/pyproject.toml"

packyard_oci() {
    rm -rf "$WORK/out-oci" && mkdir -p "$WORK/out-oci"
    "${PACKYARD_CMD[@]}" build "$WORK/project" --python "host:$PY311" --format oci --out "$WORK/out-oci" \
        --source-date-epoch "$SOURCE_DATE_EPOCH"
}
packyard_tgz() {
    rm -rf "$WORK/out-tgz" && mkdir -p "$WORK/out-tgz"
    "${PACKYARD_CMD[@]}" build "$WORK/project" --python "host:$PY311" --format tar.gz --out "$WORK/out-tgz" \
        --source-date-epoch "$SOURCE_DATE_EPOCH"
}

# ---- buildah's context: the tree Packyard staged, split as Packyard splits it --------------
section "buildah context (from packyard's tar.gz; not timed)"
packyard_tgz >"$LOGS/context-tgz.log" 2>&1 || die "packyard tar.gz build failed; see $LOGS/context-tgz.log"
CTX=$WORK/context
mkdir -p "$CTX/tree" "$CTX/interp" "$CTX/deps" "$CTX/app" "$CTX/account/etc" "$CTX/account/home/app"
tar -C "$CTX/tree" --strip-components=1 -xzf "$(find "$WORK/out-tgz" -name '*.tar.gz' | head -n 1)"
SITE=$(cd "$CTX/tree" && find python/lib -maxdepth 2 -type d -name site-packages | head -n 1)
# application: the project's RECORD (module, dist-info, launcher) and hooks; dependencies: the
# rest of site-packages; interpreter: python/ without site-packages
(
    cd "$CTX/tree"
    mkdir -p "$CTX/app/$SITE" "$CTX/deps/$SITE"
    mv "$SITE"/refapp "$SITE"/refapp-*.dist-info "$CTX/app/$SITE/"
    mv bin "$CTX/app/"
    [ -d hooks ] && mv hooks "$CTX/app/"
    mv "$SITE"/* "$CTX/deps/$SITE/"
    rmdir "$SITE"
    mv python "$CTX/interp/"
)
cp "$ROOTFS/etc/passwd" "$ROOTFS/etc/group" "$CTX/account/etc/"
echo 'app:x:10001:10001:Refapp:/home/app:/usr/sbin/nologin' >>"$CTX/account/etc/passwd"
echo 'app:x:10001:' >>"$CTX/account/etc/group"
cat >"$CTX/Containerfile" <<EOF
FROM oci-archive:$BASE
COPY account/ /
COPY --chown=10001:10001 account/home/app /home/app
COPY interp/ $PREFIX/
COPY deps/ $PREFIX/
COPY app/ $PREFIX/
USER 10001:10001
WORKDIR /home/app
ENV PATH=$PREFIX/bin:/usr/local/bin:/usr/bin:/bin
LABEL org.opencontainers.image.title="Refapp" org.opencontainers.image.version="1.0.0" org.opencontainers.image.vendor="Packyard Bench"
ENTRYPOINT ["$PREFIX/bin/refapp"]
EOF
say "context: $(du -sh "$CTX" | cut -f1), Containerfile: $CTX/Containerfile"

buildah_build() {
    rm -rf "$WORK/buildah" "$WORK/buildah.tar"
    "${BH[@]}" bud --layers --isolation chroot --format oci --timestamp "$SOURCE_DATE_EPOCH" \
        -f "$CTX/Containerfile" -t refapp:bench "$CTX"
    "${BH[@]}" push refapp:bench "oci-archive:$WORK/buildah.tar:refapp:bench"
}

# ---- timed runs, interleaved ---------------------------------------------------------------
section "Timed runs"
for ((run = 1; run <= RUNS; run++)); do
    timed packyard_oci "$run" packyard_oci
    timed packyard_tgz "$run" packyard_tgz
    timed buildah "$run" buildah_build
done

section "Results"
summary_row packyard_oci
summary_row packyard_tgz
summary_row buildah
oci=$(find "$WORK/out-oci" -name '*.oci.tar' | head -n 1)
say "  packyard's times include the whole pipeline (resolve, install, bytecode); buildah's start from the"
say "  staged tree. The tar.gz compresses at gzip -9, image layers at -6: compare CPU times with that in mind."
layers() { skopeo inspect "oci-archive:$1" | grep -cE '^\s+"sha256:'; }
say "  sizes: packyard $(basename "$oci") $(file_mib "$oci") ($(layers "$oci") layers);" \
    "buildah oci-archive $(file_mib "$WORK/buildah.tar") ($(layers "$WORK/buildah.tar") layers)"
say "  reproducible: packyard digest $(skopeo inspect "oci-archive:$oci" | sed -n 's/.*"Digest": "\(.*\)".*/\1/p')"

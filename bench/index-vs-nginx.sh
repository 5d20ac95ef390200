#!/usr/bin/env bash
# Packyard's index server (`packyard serve`) against nginx serving the very same pages and files
# as static files, on loopback:
#
#   1. a project page with 200 files (/bench/simple/bench-many/), wrk, HTML for both (nginx has
#      no JSON); Packyard's JSON page and a gzip request measured too, for the record
#   2. a file download (the largest wheel of the set, ~2 MiB), wrk
#   3. `pip install` of a 20-package set (flask, requests, pytest, pyyaml, python-dateutil and
#      their dependencies) from Packyard vs from the static copy, RUNS
#      times interleaved, median
#
# and prints the ratios. Run by hand (never in CI): it needs wrk, nginx and the wheel set.
#
#   bench/index-vs-nginx.sh                  # defaults: DURATION=10s CONNECTIONS=64 RUNS=3
#   DURATION=30s CONNECTIONS=128 RUNS=5 bench/index-vs-nginx.sh
#
# Environment: see bench/lib.sh (RUNS, BENCH_OUT, PY311, PACKYARD), plus
#   DURATION=10s      wrk duration per measurement
#   CONNECTIONS=64    wrk connections
#   THREADS=2         wrk threads
#   NGINX_WORKERS=auto   nginx worker_processes
#   WARMUP=5s         wrk warm-up before each measurement (the JVM's JIT needs it)
# The static copy is made by crawling Packyard itself, so both serve byte-identical pages.

# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
NGINX_WORKERS=${NGINX_WORKERS:-auto}
WARMUP=${WARMUP:-5s}
PACKAGES=(flask requests pytest pyyaml python-dateutil)

need wrk "apt-get install wrk"
need nginx "apt-get install nginx"
NGINX=$(command -v nginx)

W=$OUT/index-vs-nginx
rm -rf "$W"
mkdir -p "$W" "$LOGS"

PACKYARD_PID=
NGINX_STARTED=
cleanup() {
    if [ -n "$PACKYARD_PID" ]; then kill "$PACKYARD_PID" 2>/dev/null || true; wait "$PACKYARD_PID" 2>/dev/null || true; fi
    if [ -n "$NGINX_STARTED" ]; then "$NGINX" -p "$W/nginx" -c "$W/nginx/nginx.conf" -s stop 2>/dev/null || true; fi
}
trap cleanup EXIT

free_port() { "$PY311" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

section "setup"
print_machine
say "wrk:       $(wrk --version 2>&1 | head -n 1), $THREADS threads, $CONNECTIONS connections, $DURATION each"
say "nginx:     $("$NGINX" -v 2>&1), worker_processes $NGINX_WORKERS"
packyard_prepare
ensure_wheelset

# -- the 200-file project -------------------------------------------------------------------
"$PY311" - "$W/many" <<'EOF'
import base64, hashlib, os, sys, zipfile
out = sys.argv[1]
os.makedirs(out, exist_ok=True)
def b64(d): return base64.urlsafe_b64encode(d).rstrip(b"=").decode()
for i in range(200):
    v = f"1.0.{i}"
    files = {
        "bench_many/__init__.py": f"VERSION = {v!r}\n".encode(),
        f"bench_many-{v}.dist-info/METADATA": f"Metadata-Version: 2.1\nName: bench-many\nVersion: {v}\nRequires-Python: >=3.8\n".encode(),
        f"bench_many-{v}.dist-info/WHEEL": b"Wheel-Version: 1.0\nGenerator: bench\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = "".join(f"{n},sha256={b64(hashlib.sha256(c).digest())},{len(c)}\n" for n, c in files.items())
    record += f"bench_many-{v}.dist-info/RECORD,,\n"
    files[f"bench_many-{v}.dist-info/RECORD"] = record.encode()
    with zipfile.ZipFile(os.path.join(out, f"bench_many-{v}-py3-none-any.whl"), "w", zipfile.ZIP_DEFLATED) as z:
        for n, c in files.items():
            z.writestr(zipfile.ZipInfo(n, (1980, 1, 1, 0, 0, 0)), c)
EOF
say "made 200 wheels of bench-many in $W/many"

# -- Packyard ---------------------------------------------------------------------------------
DATA=$W/packyard-data
"${PACKYARD_CMD[@]}" index create bench --data "$DATA" >"$LOGS/index-create.log" 2>&1
TOKEN=$("${PACKYARD_CMD[@]}" token create --user bench --index bench --data "$DATA" 2>"$LOGS/token.log")
PORT=$(free_port)
"${PACKYARD_CMD[@]}" serve --data "$DATA" --port "$PORT" >"$W/packyard-serve.log" 2>&1 &
PACKYARD_PID=$!
for _ in $(seq 1 120); do
    grep -q "listening on" "$W/packyard-serve.log" 2>/dev/null && break
    sleep 0.5
done
grep -q "listening on" "$W/packyard-serve.log" || { cat "$W/packyard-serve.log" >&2; die "packyard serve did not start"; }
PY_URL=http://127.0.0.1:$PORT
say "packyard:  $PY_URL (data $DATA)"

# uploaded with the legacy API twine speaks (twine itself is not used: Debian's twine 4.0 cannot
# read Metadata-Version 2.4 wheels of the set)
"$PY311" - "$PY_URL/bench/" "$TOKEN" "$WHEELSET"/*.whl "$W"/many/*.whl >"$LOGS/upload.log" 2>&1 <<'EOF2' \
    || { tail -n 20 "$LOGS/upload.log" >&2; die "upload failed"; }
import base64, email.parser, hashlib, os, sys, urllib.error, urllib.request, uuid, zipfile
url, token, files = sys.argv[1], sys.argv[2], sys.argv[3:]
auth = "Basic " + base64.b64encode(f"__token__:{token}".encode()).decode()
for path in files:
    fn = os.path.basename(path)
    data = open(path, "rb").read()
    with zipfile.ZipFile(path) as z:
        meta = email.parser.BytesParser().parsebytes(
            z.read(next(n for n in z.namelist() if n.endswith(".dist-info/METADATA") and n.count("/") == 1)))
    fields = {":action": "file_upload", "protocol_version": "1", "name": meta["Name"], "version": meta["Version"],
              "filetype": "bdist_wheel", "pyversion": fn.split("-")[-3], "metadata_version": meta["Metadata-Version"],
              "sha256_digest": hashlib.sha256(data).hexdigest()}
    b = uuid.uuid4().hex
    body = b"".join(f'--{b}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode() for k, v in fields.items())
    body += f'--{b}\r\nContent-Disposition: form-data; name="content"; filename="{fn}"\r\n\r\n'.encode() + data
    body += f"\r\n--{b}--\r\n".encode()
    req = urllib.request.Request(url, body, {"Content-Type": f"multipart/form-data; boundary={b}", "Authorization": auth})
    try:
        with urllib.request.urlopen(req) as r:
            print(r.status, fn)
    except urllib.error.HTTPError as e:
        sys.exit(f"{fn}: HTTP {e.code}: {e.read().decode().strip()}")
EOF2
say "uploaded $(grep -c "^200 " "$LOGS/upload.log") wheels"

# -- the static copy, crawled from Packyard ------------------------------------------------------
STATIC=$W/static
"$PY311" - "$PY_URL" "$STATIC" <<'EOF'
import os, re, sys, urllib.parse, urllib.request
base, root = sys.argv[1], sys.argv[2]
def get(url, accept="text/html"):
    with urllib.request.urlopen(urllib.request.Request(url, headers={"Accept": accept})) as r:
        return r.read()
def save(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
listing = get(base + "/bench/simple/")
save(os.path.join(root, "bench/simple/index.html"), listing)
files = 0
for href in re.findall(rb'href="([^"]+)/"', listing):
    project = href.decode()
    page_url = f"{base}/bench/simple/{project}/"
    page = get(page_url)
    save(os.path.join(root, "bench/simple", project, "index.html"), page)
    for anchor in re.findall(rb'<a [^>]*>', page):
        link = re.search(rb'href="([^"#]+)', anchor).group(1)
        url = urllib.parse.urljoin(page_url, link.decode())
        path = urllib.parse.unquote(urllib.parse.urlparse(url).path)
        save(os.path.join(root, path.lstrip("/")), get(url, "*/*"))
        files += 1
        if b"data-core-metadata" in anchor:   # the PEP 658 file the page advertises
            save(os.path.join(root, path.lstrip("/") + ".metadata"), get(url + ".metadata", "*/*"))
print(f"static copy: {files} files")
EOF

NPORT=$(free_port)
mkdir -p "$W/nginx/logs"
cat >"$W/nginx/nginx.conf" <<EOF
worker_processes $NGINX_WORKERS;
pid $W/nginx/nginx.pid;
error_log $W/nginx/logs/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 100000;
    default_type application/octet-stream;
    types { text/html html; }
    server {
        listen 127.0.0.1:$NPORT;
        root $STATIC;
        index index.html;
    }
}
EOF
"$NGINX" -p "$W/nginx" -c "$W/nginx/nginx.conf" || die "nginx did not start"
NGINX_STARTED=1
NG_URL=http://127.0.0.1:$NPORT
say "nginx:     $NG_URL (root $STATIC)"

PAGE=/bench/simple/bench-many/
cmp <(curl -fsS -H 'Accept: text/html' "$PY_URL$PAGE") <(curl -fsS "$NG_URL$PAGE") \
    || die "the static page differs from Packyard's"
BIG=$(find "$WHEELSET" -name '*.whl' -printf '%s %f\n' | sort -n | tail -n 1 | cut -d' ' -f2)
BIG_SHA=$(sha256sum "$WHEELSET/$BIG" | cut -d' ' -f1)
FILE=/bench/files/$BIG_SHA/$BIG
curl -fsS -o /dev/null "$PY_URL$FILE" || die "packyard cannot serve $FILE"
curl -fsS -o /dev/null "$NG_URL$FILE" || die "nginx cannot serve $FILE"
say "page:      $PAGE ($(curl -fsS -H 'Accept: text/html' "$PY_URL$PAGE" | wc -c) bytes of HTML, 200 files)"
say "file:      $FILE ($(stat -c %s "$WHEELSET/$BIG") bytes)"

# -- wrk --------------------------------------------------------------------------------------
# rps URL [header]: "requests/s p50" of a wrk run, after a $WARMUP warm-up run.
rps() {
    local url=$1 hdr=${2:-} log
    log=$LOGS/wrk-$(echo "$url$hdr" | md5sum | cut -c1-8).log
    if [ -n "$hdr" ]; then
        wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" -H "$hdr" "$url" >/dev/null 2>&1
        wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -H "$hdr" "$url" >"$log" 2>&1
    else
        wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" "$url" >/dev/null 2>&1
        wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$url" >"$log" 2>&1
    fi
    grep -q "Non-2xx" "$log" && die "wrk saw errors for $url: $(grep Non-2xx "$log")"
    awk '/Requests\/sec/ { printf "%.0f", $2 }' "$log"
    printf ' %s' "$(awk '/^ +50%/ { print $2 }' "$log")"
}

section "project page with 200 files (wrk)"
# the JVM's first minute: let the JIT compile the page and file paths before anything is measured
wrk -t"$THREADS" -c"$CONNECTIONS" -d10s -H "Accept: text/html" "$PY_URL$PAGE" >/dev/null 2>&1
wrk -t"$THREADS" -c"$CONNECTIONS" -d10s "$PY_URL$FILE" >/dev/null 2>&1
read -r P_PAGE P_PAGE_P50 <<<"$(rps "$PY_URL$PAGE" "Accept: text/html")"
say "  packyard HTML            $P_PAGE req/s (p50 $P_PAGE_P50)"
read -r N_PAGE N_PAGE_P50 <<<"$(rps "$NG_URL$PAGE")"
say "  nginx static HTML        $N_PAGE req/s (p50 $N_PAGE_P50)"
read -r P_JSON P_JSON_P50 <<<"$(rps "$PY_URL$PAGE" "Accept: application/vnd.pypi.simple.v1+json")"
say "  packyard JSON            $P_JSON req/s (p50 $P_JSON_P50)"
read -r P_GZ P_GZ_P50 <<<"$(rps "$PY_URL$PAGE" "Accept-Encoding: gzip")"
say "  packyard HTML, gzip      $P_GZ req/s (p50 $P_GZ_P50)"

section "file download (wrk)"
read -r P_FILE P_FILE_P50 <<<"$(rps "$PY_URL$FILE")"
say "  packyard                 $P_FILE req/s (p50 $P_FILE_P50)"
read -r N_FILE N_FILE_P50 <<<"$(rps "$NG_URL$FILE")"
say "  nginx static             $N_FILE req/s (p50 $N_FILE_P50)"

# -- pip ----------------------------------------------------------------------------------------
section "pip install of ${PACKAGES[*]} (20 packages with dependencies), $RUNS runs interleaved"
pip_install() {
    local url=$1 target=$2
    rm -rf "$target"
    "$PY311" -m pip install --no-cache-dir --no-input --index-url "$url" --target "$target" "${PACKAGES[@]}"
}
contender pip_packyard "pip from packyard"
contender pip_nginx "pip from nginx (static)"
for ((run = 1; run <= RUNS; run++)); do
    timed pip_packyard "$run" pip_install "$PY_URL/bench/simple/" "$W/site-packyard"
    timed pip_nginx "$run" pip_install "$NG_URL/bench/simple/" "$W/site-nginx"
done
COUNT=$(find "$W/site-packyard" -maxdepth 1 -name '*.dist-info' | wc -l)
COUNT_NGINX=$(find "$W/site-nginx" -maxdepth 1 -name '*.dist-info' | wc -l)
[ "$COUNT" -eq "$COUNT_NGINX" ] || die "packyard installed $COUNT packages, nginx $COUNT_NGINX"

section "results"
say "  page (200 files):  packyard $P_PAGE req/s, nginx $N_PAGE req/s  -> packyard/nginx $(ratio "$P_PAGE" "$N_PAGE")"
say "  page as JSON:      packyard $P_JSON req/s                       -> /nginx HTML $(ratio "$P_JSON" "$N_PAGE")"
say "  file (~2 MiB):     packyard $P_FILE req/s, nginx $N_FILE req/s  -> packyard/nginx $(ratio "$P_FILE" "$N_FILE")"
say "  pip installed $COUNT packages from each"
summary_row pip_packyard
summary_row pip_nginx
say "  pip install:       packyard/nginx time $(ratio "$(median pip_packyard)" "$(median pip_nginx)")  (per run: $(run_ratios pip_packyard pip_nginx))"
say "  logs: $LOGS, packyard log: $W/packyard-serve.log"

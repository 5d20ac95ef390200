#!/usr/bin/env python3
"""Re-pack installed distributions into wheels: a fixed, offline wheel set for benchmarks.

Packyard's benchmarks need a realistic set of wheels (pure and binary, small and large,
with a real dependency graph) without touching the network. This script takes the
distributions installed in an interpreter's site-packages and packs each one back into
a valid wheel:

* the files are those listed in the distribution's RECORD, inside site-packages, less
  byte code (``__pycache__/``, ``*.pyc``) and the installer's own files (INSTALLER,
  REQUESTED, direct_url.json, RECORD signatures); every file is checked against its
  RECORD hash first;
* the WHEEL file is written anew with ``Root-Is-Purelib``, the ``Tag`` lines and any
  ``Build`` of the original WHEEL; the file name's tag is the compressed form of those
  tags;
* a new RECORD lists every file with its sha256 and size;
* the archive is reproducible: entries sorted (the .dist-info directory last, RECORD
  last of all), fixed timestamps (``SOURCE_DATE_EPOCH`` or 1980-01-01), normalized
  permissions (0644, or 0755 for files that were executable), fixed compression level.

Before packing, the script checks that the requested distributions form a closed set:
every ``Requires-Dist`` of every one of them, without extras and with the markers
evaluated for the running interpreter, names a distribution of the set.

Usage (standard library only)::

    /root/.pyenv/versions/3.11.7/bin/python3 bench/make-wheelset.py -o /tmp/wheelset --accept-modified
    python3 bench/make-wheelset.py --list
    python3 bench/make-wheelset.py -o OUT --site-packages DIR NAME ...

A file changed after installation (its RECORD hash does not match) stops the script;
``--accept-modified`` packs it as it is, with a warning. (On the Packyard build machine,
certifi's cacert.pem has been edited to add a local CA.)

Exit status: 0 success, 1 a distribution is missing, broken or the set is not closed,
2 usage error.
"""

import argparse
import base64
import csv
import email.parser
import hashlib
import io
import os
import platform
import re
import stat
import sys
import sysconfig
import tempfile
import time
import zipfile
from importlib import metadata
from pathlib import Path, PurePosixPath

GENERATOR = "packyard-bench-make-wheelset (1.0)"

#: The benchmark set: a closed dependency set for CPython 3.11 on Linux (see --list).
DEFAULT_DISTRIBUTIONS = (
    # web: flask and its dependencies
    "flask", "werkzeug", "jinja2", "markupsafe", "itsdangerous", "click", "blinker",
    # HTTP client
    "requests", "urllib3", "idna", "certifi", "charset-normalizer",
    # JSON Schema
    "attrs", "jsonschema", "jsonschema-specifications", "referencing", "rpds-py",
    # assorted, pure and binary
    "pyyaml", "six", "python-dateutil", "typing-extensions", "pygments", "packaging",
    # testing
    "pytest", "pluggy", "iniconfig",
    # validation, with a large binary extension
    "pydantic", "pydantic-core", "annotated-types", "typing-inspection",
)

#: dist-info files written by installers, not part of a wheel.
_INSTALLER_FILES = {"INSTALLER", "REQUESTED", "direct_url.json", "RECORD", "RECORD.jws",
                    "RECORD.p7s", "WHEEL"}


class WheelsetError(Exception):
    """A distribution cannot be re-packed, or the set is not closed."""


def canonical_name(name: str) -> str:
    """PEP 503 normalized name."""
    return re.sub(r"[-_.]+", "-", name).lower()


# --- PEP 508 markers (the subset real metadata uses) ------------------------------------

_MARKER_TOKEN = re.compile(
    r"""\s*(?:
        (?P<paren>[()])
      | (?P<op>===|==|!=|<=|>=|~=|<|>|not\s+in\b|in\b)
      | (?P<bool>and\b|or\b)
      | (?P<string>'[^']*'|"[^"]*")
      | (?P<var>[A-Za-z_][A-Za-z0-9_.]*)
    )""",
    re.VERBOSE,
)

_VERSION_VARIABLES = {"python_version", "python_full_version", "implementation_version",
                      "platform_release"}


def marker_environment() -> dict:
    """The PEP 508 environment of the running interpreter."""
    info = sys.implementation.version
    implementation_version = f"{info.major}.{info.minor}.{info.micro}"
    if info.releaselevel != "final":
        implementation_version += info.releaselevel[0] + str(info.serial)
    return {
        "implementation_name": sys.implementation.name,
        "implementation_version": implementation_version,
        "os_name": os.name,
        "platform_machine": platform.machine(),
        "platform_python_implementation": platform.python_implementation(),
        "platform_release": platform.release(),
        "platform_system": platform.system(),
        "platform_version": platform.version(),
        "python_full_version": platform.python_version(),
        "python_version": ".".join(platform.python_version_tuple()[:2]),
        "sys_platform": sys.platform,
        "extra": "",
    }


def _release(text: str):
    """A release-only version (``3.11``, ``2.0.1``) as a tuple of ints, else None."""
    if not re.fullmatch(r"[0-9]+(\.[0-9]+)*", text):
        return None
    return tuple(int(p) for p in text.split("."))


def _padded(a: tuple, b: tuple):
    width = max(len(a), len(b))
    return a + (0,) * (width - len(a)), b + (0,) * (width - len(b))


def _compare(left: str, op: str, right: str, version_like: bool) -> bool:
    op = " ".join(op.split())
    if op == "in":
        return left in right
    if op == "not in":
        return left not in right
    a, b = (_release(left), _release(right)) if version_like else (None, None)
    if a is not None and b is not None and op != "===":
        if op == "~=":
            if len(b) < 2:
                raise WheelsetError(f"invalid marker comparison {left!r} ~= {right!r}")
            x, y = _padded(a, b)
            prefix = b[:-1]
            return x >= y and x[: len(prefix)] == prefix
        x, y = _padded(a, b)
        return {"==": x == y, "!=": x != y, "<": x < y, "<=": x <= y, ">": x > y,
                ">=": x >= y}[op]
    if op in ("==", "==="):
        return left == right
    if op == "!=":
        return left != right
    raise WheelsetError(f"cannot evaluate marker comparison {left!r} {op} {right!r}")


def evaluate_marker(marker: str, env: dict) -> bool:
    """Evaluate a PEP 508 marker expression (``and``/``or``/parentheses/comparisons)."""
    tokens = []
    pos = 0
    while pos < len(marker):
        if marker[pos:].strip() == "":
            break
        match = _MARKER_TOKEN.match(marker, pos)
        if not match:
            raise WheelsetError(f"invalid marker {marker!r} at {marker[pos:]!r}")
        kind = match.lastgroup
        tokens.append((kind, match.group(kind)))
        pos = match.end()
    index = 0

    def peek():
        return tokens[index] if index < len(tokens) else (None, None)

    def take():
        nonlocal index
        token = peek()
        if token[0] is None:
            raise WheelsetError(f"invalid marker {marker!r}: unexpected end")
        index += 1
        return token

    def value():
        kind, text = take()
        if kind == "string":
            return text[1:-1], False
        if kind == "var":
            name = text.replace(".", "_")
            if name not in env:
                raise WheelsetError(f"invalid marker {marker!r}: unknown variable {text}")
            return env[name], name in _VERSION_VARIABLES
        raise WheelsetError(f"invalid marker {marker!r}: unexpected {text!r}")

    def atom():
        if peek() == ("paren", "("):
            take()
            result = disjunction()
            if take() != ("paren", ")"):
                raise WheelsetError(f"invalid marker {marker!r}: missing ')'")
            return result
        left, left_version = value()
        kind, op = take()
        if kind != "op":
            raise WheelsetError(f"invalid marker {marker!r}: expected an operator, got {op!r}")
        right, right_version = value()
        return _compare(left, op, right, left_version or right_version)

    def conjunction():
        result = atom()
        while peek() == ("bool", "and"):
            take()
            result = atom() and result
        return result

    def disjunction():
        result = conjunction()
        while peek() == ("bool", "or"):
            take()
            result = conjunction() or result
        return result

    result = disjunction()
    if index != len(tokens):
        raise WheelsetError(f"invalid marker {marker!r}: unexpected {tokens[index][1]!r}")
    return result


def required_names(dist, env: dict) -> list:
    """Canonical names of the distributions ``dist`` requires, without extras."""
    names = []
    for requirement in dist.requires or []:
        spec, _, marker = requirement.partition(";")
        match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", spec)
        if not match:
            raise WheelsetError(f"{dist.metadata['Name']}: invalid Requires-Dist {requirement!r}")
        if marker.strip() and not evaluate_marker(marker.strip(), env):
            continue
        names.append(canonical_name(match.group(1)))
    return names


# --- locating and re-packing ------------------------------------------------------------

def find_distributions(names, site_dirs) -> dict:
    """``{canonical name: Distribution}`` for ``names``, found in ``site_dirs`` only."""
    found = {}
    for dist in metadata.distributions(path=[str(d) for d in site_dirs]):
        name = dist.metadata["Name"]
        if name:
            found.setdefault(canonical_name(name), dist)
    wanted = {canonical_name(n): n for n in names}
    missing = sorted(n for n in wanted if n not in found)
    if missing:
        raise WheelsetError(f"not installed in {', '.join(map(str, site_dirs))}: "
                            f"{', '.join(missing)}")
    return {name: found[name] for name in sorted(wanted)}


def check_closed(dists: dict, env: dict) -> None:
    outside = []
    for name, dist in dists.items():
        for required in required_names(dist, env):
            if required not in dists:
                outside.append(f"{name} requires {required}")
    if outside:
        raise WheelsetError("the set is not closed: " + "; ".join(outside))


def _record_hash(data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
    return "sha256=" + digest.decode("ascii")


def _compressed_tag(tags: list) -> str:
    """The file-name tag of a tag list, e.g. ``py2.py3-none-any``; the list must be the
    product of its python, abi and platform parts, as a compressed tag set is."""
    parts = [[], [], []]
    for tag in tags:
        pieces = tag.split("-")
        if len(pieces) != 3:
            raise WheelsetError(f"invalid Tag {tag!r} in WHEEL")
        for column, piece in zip(parts, pieces):
            if piece not in column:
                column.append(piece)
    product = {f"{p}-{a}-{s}" for p in parts[0] for a in parts[1] for s in parts[2]}
    if product != set(tags):
        raise WheelsetError(f"the WHEEL tags {tags} are not a compressed tag set")
    return "-".join(".".join(column) for column in parts)


def _zip_time():
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    seconds = int(epoch) if epoch and epoch.isdigit() else 0
    seconds = max(seconds, 315532800)  # 1980-01-01, the earliest time a zip can hold
    return time.gmtime(seconds)[:6]


def collect(dist, accept_modified: bool = False, warn=None):
    """Read and check what the wheel of ``dist`` holds: ``(file name, [(path, data,
    executable)])`` in archive order, RECORD last.

    A file whose content does not match its RECORD hash is an error, unless
    ``accept_modified``: then it is packed as it is now and ``warn`` is told.
    """
    name = dist.metadata["Name"]
    version = dist.metadata["Version"]
    if not dist.files:
        raise WheelsetError(f"{name} {version}: no RECORD, cannot tell its files")
    wheel_text = dist.read_text("WHEEL")
    if wheel_text is None:
        raise WheelsetError(f"{name} {version}: no WHEEL file (not installed from a wheel)")
    wheel = email.parser.Parser().parsestr(wheel_text)
    purelib = (wheel.get("Root-Is-Purelib") or "").strip().lower()
    if purelib not in ("true", "false"):
        raise WheelsetError(f"{name} {version}: WHEEL: invalid Root-Is-Purelib {purelib!r}")
    tags = [t.strip() for t in wheel.get_all("Tag") or []]
    if not tags:
        raise WheelsetError(f"{name} {version}: WHEEL has no Tag")
    build = (wheel.get("Build") or "").strip()

    root = Path(dist.locate_file("")).resolve()
    entries = {}  # archive path -> (data, executable)
    info_dir = None
    for file in dist.files:
        path = PurePosixPath(str(file).replace("\\", "/"))
        if path.is_absolute() or ".." in path.parts:
            continue  # installed outside site-packages: scripts generated by the installer
        if "__pycache__" in path.parts or path.suffix == ".pyc":
            continue
        if path.parts[0].endswith(".dist-info"):
            info_dir = path.parts[0]
            if len(path.parts) == 2 and path.name in _INSTALLER_FILES:
                continue
        on_disk = root / path
        try:
            data = on_disk.read_bytes()
            mode = on_disk.stat().st_mode
        except OSError as exc:
            raise WheelsetError(f"{name} {version}: {path}: {exc.strerror}") from None
        if file.hash is not None:
            actual = hashlib.new(file.hash.mode, data).digest()
            expected = base64.urlsafe_b64decode(file.hash.value + "=" * (-len(file.hash.value) % 4))
            if actual != expected:
                message = f"{name} {version}: RECORD: hash mismatch for {path}"
                if not accept_modified:
                    raise WheelsetError(message + " (modified after installation; "
                                        "--accept-modified packs it as it is)")
                if warn is not None:
                    warn(message + "; packing the file as it is now")
        entries[str(path)] = (data, bool(mode & (stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)))
    if info_dir is None:
        raise WheelsetError(f"{name} {version}: RECORD lists no .dist-info directory")

    wheel_lines = ["Wheel-Version: 1.0", f"Generator: {GENERATOR}",
                   f"Root-Is-Purelib: {purelib}"]
    wheel_lines += [f"Tag: {tag}" for tag in tags]
    if build:
        wheel_lines.append(f"Build: {build}")
    entries[f"{info_dir}/WHEEL"] = (("\n".join(wheel_lines) + "\n").encode("utf-8"), False)

    record_path = f"{info_dir}/RECORD"
    order = sorted(entries, key=lambda p: (p.startswith(info_dir + "/"), p))
    record = io.StringIO()
    writer = csv.writer(record, lineterminator="\n")
    for path in order:
        data = entries[path][0]
        writer.writerow([path, _record_hash(data), len(data)])
    writer.writerow([record_path, "", ""])
    entries[record_path] = (record.getvalue().encode("utf-8"), False)
    order.append(record_path)

    escaped = re.sub(r"[-_.]+", "_", name).lower()
    filename = "-".join(
        [escaped, version.replace("-", "_")] + ([build] if build else []) + [_compressed_tag(tags)]
    ) + ".whl"
    return filename, [(path,) + entries[path] for path in order]


def write_wheel(out_dir: Path, filename: str, members) -> Path:
    """Write a reproducible zip of ``members`` (``(path, data, executable)``) atomically."""
    target = out_dir / filename
    date_time = _zip_time()
    fd, tmp_name = tempfile.mkstemp(prefix=f".{filename}.", suffix=".tmp", dir=out_dir)
    try:
        with os.fdopen(fd, "wb") as raw:
            with zipfile.ZipFile(raw, "w") as archive:
                for path, data, executable in members:
                    info = zipfile.ZipInfo(path, date_time=date_time)
                    info.create_system = 3
                    info.external_attr = (stat.S_IFREG | (0o755 if executable else 0o644)) << 16
                    archive.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED,
                                     compresslevel=6)
            raw.flush()
            os.fsync(raw.fileno())
        os.chmod(tmp_name, 0o644)
        os.replace(tmp_name, target)
    except BaseException:
        try:
            os.unlink(tmp_name)
        except FileNotFoundError:
            pass
        raise
    return target


def default_site_dirs() -> list:
    paths = sysconfig.get_paths()
    dirs = []
    for key in ("purelib", "platlib"):
        path = Path(paths[key])
        if path not in dirs:
            dirs.append(path)
    return dirs


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description="Re-pack installed distributions into a reproducible wheel set.")
    parser.add_argument("names", nargs="*", metavar="NAME",
                        help="distributions to re-pack (default: the benchmark set)")
    parser.add_argument("-o", "--output", type=Path, help="directory for the wheels")
    parser.add_argument("--site-packages", type=Path, action="append", dest="site_dirs",
                        help="where the distributions are installed (repeatable; default: "
                        "this interpreter's purelib and platlib)")
    parser.add_argument("--list", action="store_true",
                        help="print the distributions and their versions, write nothing")
    parser.add_argument("--accept-modified", action="store_true",
                        help="pack files that were changed after installation (their RECORD "
                        "hash does not match) as they are now, with a warning")
    parser.add_argument("--no-closure-check", action="store_true",
                        help="do not require the set to be closed under Requires-Dist")
    args = parser.parse_args(argv)
    if not args.list and args.output is None:
        parser.error("-o/--output is required (or --list)")

    names = args.names or list(DEFAULT_DISTRIBUTIONS)
    site_dirs = args.site_dirs or default_site_dirs()
    try:
        dists = find_distributions(names, site_dirs)
        if not args.no_closure_check:
            check_closed(dists, marker_environment())
        if args.list:
            for name, dist in dists.items():
                print(f"{name} {dist.metadata['Version']}")
            return 0
        # Read and check everything before writing anything.
        wheels = [
            collect(dist, args.accept_modified,
                    warn=lambda m: print(f"make-wheelset: warning: {m}", file=sys.stderr))
            for dist in dists.values()
        ]
        args.output.mkdir(parents=True, exist_ok=True)
        total = 0
        for filename, members in wheels:
            wheel = write_wheel(args.output, filename, members)
            data = wheel.read_bytes()
            total += len(data)
            print(f"{wheel.name} {len(data)} sha256={hashlib.sha256(data).hexdigest()}")
        print(f"{len(dists)} wheels, {total} bytes, in {args.output}")
    except WheelsetError as exc:
        print(f"make-wheelset: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Writes the payload of the MSI benchmark: a deterministic tree of about 3,000 files and
60 MB, shaped like an application bundle (many small, compressible source-like files in
nested packages, fewer large incompressible ones).

    bench/msi/make-tree.py OUTDIR [--files N] [--megabytes M] [--seed S]

Standard library only. The same arguments give byte-identical trees (a seeded PRNG, fixed
mtimes from SOURCE_DATE_EPOCH, default 1700000000). OUTDIR must not exist or be empty.
Prints "<files> files, <bytes> bytes in OUTDIR".
"""
import argparse
import os
import random
import sys

WORDS = ("def class return import from self None True False if elif else for in while try except "
         "finally with as lambda yield async await pass raise assert global nonlocal del not and or "
         "value result items config path name data index count buffer handler request response "
         "session cache token parser reader writer stream module package version metadata").split()


def source_text(rng, size):
    """Python-like text: indented lines of identifiers, compresses about 4:1 like real code."""
    out = []
    total = 0
    depth = 0
    while total < size:
        words = [rng.choice(WORDS) for _ in range(rng.randint(2, 9))]
        if rng.random() < 0.1:
            words.append("%d" % rng.randint(0, 99999))
        line = "    " * depth + " ".join(words) + ("(" + ", ".join(rng.sample(WORDS, 2)) + "):" if rng.random() < 0.2 else "")
        depth = max(0, min(4, depth + rng.choice((-1, 0, 0, 1))))
        out.append(line)
        total += len(line) + 1
    return ("\n".join(out) + "\n").encode("ascii")[:size]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("outdir")
    ap.add_argument("--files", type=int, default=3000)
    ap.add_argument("--megabytes", type=float, default=60.0)
    ap.add_argument("--seed", type=int, default=20240601)
    a = ap.parse_args()
    if os.path.exists(a.outdir) and os.listdir(a.outdir):
        sys.exit("make-tree: %s exists and is not empty" % a.outdir)
    rng = random.Random(a.seed)
    epoch = int(os.environ.get("SOURCE_DATE_EPOCH", "1700000000"))
    target = int(a.megabytes * 1024 * 1024)
    # 12% of the files carry ~70% of the bytes, as random data (wheels' .so/.pyd, images, ...)
    big = max(1, a.files * 12 // 100)
    small = a.files - big
    small_bytes = target * 30 // 100
    big_bytes = target - small_bytes
    plan = []
    for i in range(small):
        pkg = "pkg%02d" % (i % 40)
        sub = ("sub%d/" % (i % 3)) if i % 5 else ""
        ext = rng.choice((".py", ".py", ".py", ".pyi", ".txt", ".json", ".cfg"))
        name = "%s/%smodule_%04d_%s%s" % (pkg, sub, i, rng.choice(WORDS), ext)
        plan.append((name, "text"))
    for i in range(big):
        pkg = "pkg%02d" % (i % 40)
        ext = rng.choice((".pyd", ".dll", ".dat", ".bin"))
        plan.append(("%s/native/blob_%04d%s" % (pkg, i, ext), "random"))
    # sizes: log-uniform within each class, scaled to the class budget
    def sizes(n, budget, lo, hi):
        raw = [lo * (hi / lo) ** rng.random() for _ in range(n)]
        scale = budget / sum(raw)
        return [max(1, int(r * scale)) for r in raw]
    text_sizes = sizes(small, small_bytes, 400, 40000)
    blob_sizes = sizes(big, big_bytes, 8000, 600000)
    total = 0
    count = 0
    ts = iter(text_sizes)
    bs = iter(blob_sizes)
    for name, kind in plan:
        path = os.path.join(a.outdir, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if kind == "text":
            data = source_text(rng, next(ts))
        else:
            data = rng.randbytes(next(bs))
        with open(path, "wb") as f:
            f.write(data)
        os.utime(path, (epoch, epoch))
        total += len(data)
        count += 1
    for root, dirs, _ in os.walk(a.outdir, topdown=False):
        for d in dirs:
            os.utime(os.path.join(root, d), (epoch, epoch))
    print("%d files, %d bytes in %s" % (count, total, a.outdir))


if __name__ == "__main__":
    main()

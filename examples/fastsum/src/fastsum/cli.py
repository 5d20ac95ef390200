"""The ``fastsum`` command.

    fastsum N          print sum_squares(N) = 1*1 + ... + N*N, exit 0
    fastsum --check    print "fastsum OK <path of the compiled module>" after verifying that
                       fastsum._speedups is a compiled extension loaded from a file with
                       one of this interpreter's extension suffixes and that it computes
                       correct results; exit 1 (message on stderr) otherwise
    fastsum --version  print "fastsum <version>"
"""

import argparse
import importlib.machinery
import sys

import fastsum


def check() -> str:
    """Verify the C implementation is the one in use; return its file. Raises RuntimeError."""
    from fastsum import _speedups

    loader = getattr(_speedups, "__loader__", None)
    if not isinstance(loader, importlib.machinery.ExtensionFileLoader):
        raise RuntimeError(f"fastsum._speedups was loaded by {loader!r}, "
                           "not as a compiled extension module")
    path = getattr(_speedups, "__file__", None) or ""
    suffixes = importlib.machinery.EXTENSION_SUFFIXES
    if not any(path.endswith(suffix) for suffix in suffixes):
        raise RuntimeError(f"fastsum._speedups comes from {path!r}, which has none of "
                           f"this interpreter's extension suffixes {suffixes}")
    if fastsum.sum_squares is not _speedups.sum_squares:
        raise RuntimeError("fastsum.sum_squares is not the C implementation")
    for n in (0, 1, 2, 10, 1000, 3_000_000):
        got, want = fastsum.sum_squares(n), fastsum.sum_squares_reference(n)
        if got != want:
            raise RuntimeError(f"sum_squares({n}) returned {got}, expected {want}")
    return path


def _non_negative(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative: {value}")
    return value


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="fastsum",
        description="Print 1*1 + 2*2 + ... + N*N, computed by a C extension (Packyard example).",
    )
    parser.add_argument("n", nargs="?", type=_non_negative, metavar="N")
    parser.add_argument("--check", action="store_true",
                        help="verify the compiled extension is loaded and correct")
    parser.add_argument("--version", action="version", version=f"fastsum {fastsum.__version__}")
    args = parser.parse_args(argv)
    if args.check:
        if args.n is not None:
            parser.error("--check takes no N")
        try:
            path = check()
        except RuntimeError as exc:
            print(f"fastsum: check failed: {exc}", file=sys.stderr)
            return 1
        print(f"fastsum OK {path}")
        return 0
    if args.n is None:
        parser.error("N is required (or --check)")
    try:
        print(fastsum.sum_squares(args.n))
    except OverflowError as exc:
        print(f"fastsum: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

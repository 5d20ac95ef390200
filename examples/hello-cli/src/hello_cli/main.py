"""The ``hello`` command.

    hello                 -> "Hello, World! (greetlib 0.3.0, Python 3.12.1)", exit 0
    hello --name Ada      -> "Hello, Ada! (greetlib 0.3.0, Python 3.12.1)", exit 0
    hello --version       -> "hello-cli 1.0.0", exit 0
    hello --info          -> where the interpreter and the packages were loaded from, exit 0
    hello --fail          -> message on stderr, exit 3 (checks exit-code propagation
                             through the launcher)
"""

import argparse
import platform
import sys
from importlib import metadata

import greetlib

import hello_cli

#: Exit status of ``hello --fail``; launchers must hand it back unchanged.
FAIL_EXIT_CODE = 3


def _greetlib_version() -> str:
    try:
        return metadata.version("greetlib")
    except metadata.PackageNotFoundError:
        return greetlib.__version__


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hello",
        description="Print a greeting (Packyard example application).",
    )
    parser.add_argument("--name", default="World", help="who to greet (default: %(default)s)")
    parser.add_argument(
        "--version", action="version", version=f"hello-cli {hello_cli.__version__}"
    )
    parser.add_argument(
        "--info",
        action="store_true",
        help="print the interpreter and the locations the code was loaded from",
    )
    parser.add_argument(
        "--fail",
        action="store_true",
        help=f"exit with status {FAIL_EXIT_CODE} without greeting (tests exit-code propagation)",
    )
    return parser


def main(argv=None) -> int:
    args = _parser().parse_args(argv)
    if args.fail:
        print(f"hello: failing on purpose (--fail), exit status {FAIL_EXIT_CODE}", file=sys.stderr)
        return FAIL_EXIT_CODE
    if args.info:
        print(f"hello-cli {hello_cli.__version__}")
        print(f"python: {sys.executable}")
        print(f"python-version: {platform.python_version()}")
        print(f"prefix: {sys.prefix}")
        print(f"hello_cli: {hello_cli.__file__}")
        print(f"greetlib: {greetlib.__file__}")
        return 0
    try:
        greeting = greetlib.greet(args.name)
    except ValueError as exc:
        print(f"hello: --name: {exc}", file=sys.stderr)
        return 2
    print(f"{greeting} (greetlib {_greetlib_version()}, Python {platform.python_version()})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

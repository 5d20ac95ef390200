"""``python -m greetlib [NAME]`` prints the greeting for NAME (default: World)."""

import sys

from greetlib import greet


def main(argv=None) -> int:
    args = sys.argv[1:] if argv is None else argv
    try:
        print(greet(args[0] if args else "World"))
    except ValueError as exc:
        print(f"greetlib: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())

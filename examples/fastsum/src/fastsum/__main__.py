"""``python -m fastsum`` behaves exactly like the ``fastsum`` command."""

import sys

from fastsum.cli import main

if __name__ == "__main__":
    sys.exit(main())

"""``python -m refapp`` behaves exactly like the ``refapp`` command."""

import sys

from refapp.main import main

if __name__ == "__main__":
    sys.exit(main())

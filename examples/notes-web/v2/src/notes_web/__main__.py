"""``python -m notes_web`` behaves exactly like the ``notes-web`` command."""

import sys

from notes_web.cli import main

if __name__ == "__main__":
    sys.exit(main())

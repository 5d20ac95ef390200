"""``python -m hello_cli`` behaves exactly like the ``hello`` command."""

import sys

from hello_cli.main import main

if __name__ == "__main__":
    sys.exit(main())

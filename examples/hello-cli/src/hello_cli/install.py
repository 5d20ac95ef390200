"""Install-time hook for hello-cli, named in ``[tool.packyard] post-install``.

The installer calls ``post_install(action, previous_version)`` with the bundled
interpreter after the files are in place:

* ``action`` is ``"install"``, ``"upgrade"`` or ``"reconfigure"``;
* ``previous_version`` is ``""`` on a first install, otherwise the PEP 440
  version that was installed before.

Whatever it prints ends up in the install log,
``/var/log/<company>/<product>/install.log`` on Linux. Returning 0 or
``None`` means success; any other value makes the installation fail.

This hook only reports what it was given, so tests can check that the
installer passes the right arguments. Setting ``HELLO_CLI_HOOK_FAIL=<n>`` in
the installer's environment makes it return ``<n>`` (tests of a failing hook).

Run it by hand with ``python -m hello_cli.install ACTION [PREVIOUS_VERSION]``.
"""

import os
import platform
import sys

import hello_cli

ACTIONS = ("install", "upgrade", "reconfigure")


def post_install(action: str, previous_version: str = "") -> int:
    print(
        f"hello-cli {hello_cli.__version__} post-install: "
        f"action={action} previous_version={previous_version}",
        flush=True,
    )
    print(f"hello-cli post-install: python {platform.python_version()} at {sys.executable}",
          flush=True)
    if action not in ACTIONS:
        print(f"hello-cli post-install: unknown action {action!r}, expected one of "
              f"{', '.join(ACTIONS)}", file=sys.stderr, flush=True)
        return 2
    forced = os.environ.get("HELLO_CLI_HOOK_FAIL", "").strip()
    if forced and forced != "0":
        try:
            status = int(forced)
        except ValueError:
            status = 1
        print(f"hello-cli post-install: failing on purpose (HELLO_CLI_HOOK_FAIL={forced}), "
              f"returning {status}", file=sys.stderr, flush=True)
        return status
    if action == "upgrade":
        print(f"hello-cli post-install: upgraded from {previous_version or '(unknown)'} "
              f"to {hello_cli.__version__}", flush=True)
    return 0


def main(argv=None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not 1 <= len(args) <= 2:
        print("usage: python -m hello_cli.install ACTION [PREVIOUS_VERSION]", file=sys.stderr)
        return 2
    result = post_install(args[0], args[1] if len(args) == 2 else "")
    return 0 if result is None else int(result)


if __name__ == "__main__":
    sys.exit(main())

"""Install-time hooks of notes-web, named in ``[tool.packyard]``.

``post_install(action, previous_version)`` runs after the files are in place, with
``action`` one of ``"install"``, ``"upgrade"``, ``"reconfigure"`` and
``previous_version`` ``""`` on a first install, else the version installed before.
Whatever the action, it brings the database to this version's schema (creating it on
a first install); migrations are recorded in ``schema_migrations`` and never run twice.

``pre_uninstall(action, previous_version)`` runs before the files are removed
(``action`` is ``"remove"``). It only reports: the notes are the user's data and stay
where they are.

Both print their progress to stdout, which the installer writes to the install log.
Run them by hand with::

    python -m notes_web.install post-install ACTION [PREVIOUS_VERSION]
    python -m notes_web.install pre-uninstall [ACTION [PREVIOUS_VERSION]]
"""

import sqlite3
import sys

from notes_web import __version__, db

POST_INSTALL_ACTIONS = ("install", "upgrade", "reconfigure")


def _log(message: str) -> None:
    print(f"notes-web post-install: {message}", flush=True)


def post_install(action: str, previous_version: str = "") -> int:
    print(f"notes-web {__version__} post-install: action={action} "
          f"previous_version={previous_version}", flush=True)
    if action not in POST_INSTALL_ACTIONS:
        print(f"notes-web post-install: unknown action {action!r}, expected one of "
              f"{', '.join(POST_INSTALL_ACTIONS)}", file=sys.stderr, flush=True)
        return 2
    path = db.db_path()
    _log(f"database {path}")
    try:
        conn = db.connect(path)
        try:
            applied = db.migrate(conn, log=_log)
            current = max(db.applied_migrations(conn), default=0)
        finally:
            conn.close()
    except (sqlite3.Error, OSError) as exc:
        print(f"notes-web post-install: migrating {path} failed: {exc}",
              file=sys.stderr, flush=True)
        return 1
    _log(f"schema is at version {current} ({len(applied)} migration(s) applied now)")
    return 0


def pre_uninstall(action: str = "remove", previous_version: str = "") -> int:
    print(f"notes-web {__version__} pre-uninstall: action={action} "
          f"previous_version={previous_version}", flush=True)
    print(f"notes-web pre-uninstall: keeping the notes database {db.db_path()} "
          "(user data is never removed; delete it yourself to discard the notes)", flush=True)
    return 0


def main(argv=None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args and args[0] == "post-install" and 2 <= len(args) <= 3:
        return post_install(*args[1:])
    if args and args[0] == "pre-uninstall" and 1 <= len(args) <= 3:
        return pre_uninstall(*args[1:])
    print("usage: python -m notes_web.install post-install ACTION [PREVIOUS_VERSION]\n"
          "       python -m notes_web.install pre-uninstall [ACTION [PREVIOUS_VERSION]]",
          file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())

"""The ``notes-web`` command.

    notes-web serve [--host 127.0.0.1] [--port 8000]   serve the web app until SIGINT/SIGTERM
    notes-web add TEXT [--title TITLE]                 add a note, print it as one JSON line
                                                       (title: first line of TEXT by default)
    notes-web list                                     print every note as a JSON line
    notes-web schema                                   print the columns of the notes table
    notes-web migrate                                  apply pending migrations (what the
                                                       post-install hook does)
    notes-web --version                                print "notes-web <version>"

The database is ``$NOTES_WEB_DB`` (default ``/var/lib/packyard-examples/notes-web/data/notes.db``).
Exit status: 0 success, 1 database or runtime error, 2 usage error.
"""

import argparse
import json
import signal
import sqlite3
import sys

from notes_web import __version__, db


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="notes-web",
        description="A small notes web application (Packyard example). "
        f"Database: ${db.ENV_VAR}, default {db.DEFAULT_DB}.",
    )
    parser.add_argument("--version", action="version", version=f"notes-web {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    serve = commands.add_parser("serve", help="serve the web application")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default: %(default)s)")
    serve.add_argument("--port", type=int, default=8000,
                       help="port to bind, 0 for any free port (default: %(default)s)")

    add = commands.add_parser("add", help="add a note and print it as JSON")
    add.add_argument("text", help="the note's text")
    add.add_argument("--title", help="the note's title (default: the first line of TEXT, "
                     f"at most {db.MAX_TITLE} characters)")

    commands.add_parser("list", help="print every note as a JSON line")
    commands.add_parser("schema", help="print the columns of the notes table")
    commands.add_parser("migrate", help="apply pending database migrations")
    return parser


def _print_json(value) -> None:
    print(json.dumps(value))


def _serve(args) -> int:
    from notes_web.server import make_server

    if not 0 <= args.port <= 65535:
        print(f"notes-web: error: --port must be between 0 and 65535, not {args.port}",
              file=sys.stderr)
        return 2
    path = db.db_path()
    db.open_db(path).close()  # fail now, not on the first request, if the database is unusable
    server = make_server(args.host, args.port, path)
    host, port = server.server_address[:2]
    shown = f"[{host}]" if ":" in host else host

    def stop(signum, frame):
        raise KeyboardInterrupt

    # Both, explicitly: a shell without job control starts background jobs with SIGINT
    # ignored, and a service manager stops with SIGTERM.
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"notes-web {__version__} serving http://{shown}:{port}/ (database {path})", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    print("notes-web stopped", flush=True)
    return 0


def _run(args) -> int:
    if args.command == "serve":
        return _serve(args)
    if args.command == "migrate":
        conn = db.connect()
        try:
            db.migrate(conn)
        finally:
            conn.close()
        return 0
    # "schema" must work on a database that still needs migrating, to show what it has.
    conn = db.open_db(require_current=args.command != "schema")
    try:
        if args.command == "add":
            try:
                note = db.add_note(conn, args.text, args.title)
            except ValueError as exc:
                print(f"notes-web: error: {exc}", file=sys.stderr)
                return 2
            _print_json(note)
        elif args.command == "list":
            for note in db.list_notes(conn):
                _print_json(note)
        elif args.command == "schema":
            for name, declaration in db.columns(conn, "notes"):
                print(f"{name} {declaration}")
    finally:
        conn.close()
    return 0


def main(argv=None) -> int:
    args = _parser().parse_args(argv)
    try:
        return _run(args)
    except (db.SchemaError, sqlite3.Error, OSError) as exc:
        print(f"notes-web: error: {db.db_path()}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())

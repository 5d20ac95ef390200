"""Storage for notes-web: one SQLite database, versioned by numbered migrations.

The database path comes from the ``NOTES_WEB_DB`` environment variable, by default
``/var/lib/packyard-examples/notes-web/data/notes.db`` (the service's state directory,
which the Linux packages create for the ``notes-web`` user); its directory is created on demand.

Schema version 1::

    notes(id INTEGER PRIMARY KEY, body TEXT NOT NULL, created TEXT NOT NULL)
    schema_migrations(version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)

Every migration runs in its own ``BEGIN IMMEDIATE`` transaction together with the
insertion of its ``schema_migrations`` row, so it is applied exactly once even when
the post-install hook runs again, or twice at the same time.
"""

import os
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

ENV_VAR = "NOTES_WEB_DB"
DEFAULT_DB = "/var/lib/packyard-examples/notes-web/data/notes.db"

#: The newest migration this version of notes-web knows.
SCHEMA_VERSION = 1

#: Longest note body accepted, in characters.
MAX_BODY = 10_000


class SchemaError(Exception):
    """The database does not have the schema this version of notes-web needs."""


def db_path() -> Path:
    """The database file named by ``NOTES_WEB_DB``, or the default one."""
    return Path(os.environ.get(ENV_VAR) or DEFAULT_DB)


def now() -> str:
    """The current UTC time as ISO 8601 with seconds, e.g. ``2024-05-01T12:00:00+00:00``."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def connect(path=None) -> sqlite3.Connection:
    """Open (creating if needed) the database in autocommit mode; transactions are explicit."""
    path = Path(path) if path is not None else db_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), timeout=30, isolation_level=None)
    conn.row_factory = sqlite3.Row
    return conn


def table_exists(conn: sqlite3.Connection, table: str) -> bool:
    row = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
    ).fetchone()
    return row is not None


def columns(conn: sqlite3.Connection, table: str = "notes") -> list:
    """``[(name, declaration)]`` of ``table`` in column order, e.g. ``("id", "INTEGER PRIMARY KEY")``."""
    result = []
    for row in conn.execute(f'PRAGMA table_info("{table}")'):
        parts = [row["type"]]
        if row["notnull"]:
            parts.append("NOT NULL")
        if row["pk"]:
            parts.append("PRIMARY KEY")
        result.append((row["name"], " ".join(p for p in parts if p)))
    return result


def applied_migrations(conn: sqlite3.Connection) -> dict:
    """``{version: applied_at}`` of the migrations recorded in the database."""
    if not table_exists(conn, "schema_migrations"):
        return {}
    rows = conn.execute("SELECT version, applied_at FROM schema_migrations ORDER BY version")
    return {row["version"]: row["applied_at"] for row in rows}


# --- migrations -------------------------------------------------------------------------

def _create_notes(conn: sqlite3.Connection) -> str:
    conn.execute(
        "CREATE TABLE IF NOT EXISTS notes ("
        " id INTEGER PRIMARY KEY,"
        " body TEXT NOT NULL,"
        " created TEXT NOT NULL)"
    )
    return ""


#: ``(version, description, function)``; a function returns a detail for the log.
MIGRATIONS = (
    (1, "create table notes", _create_notes),
)


def migrate(conn: sqlite3.Connection, log=print) -> list:
    """Apply the migrations the database lacks; return the versions applied now."""
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY,"
        " applied_at TEXT NOT NULL)"
    )
    applied_now = []
    for version, description, function in MIGRATIONS:
        conn.execute("BEGIN IMMEDIATE")
        try:
            row = conn.execute(
                "SELECT applied_at FROM schema_migrations WHERE version = ?", (version,)
            ).fetchone()
            if row is not None:
                conn.execute("COMMIT")
                log(f"migration {version} ({description}): already applied at {row['applied_at']}")
                continue
            detail = function(conn)
            conn.execute(
                "INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)",
                (version, now()),
            )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        applied_now.append(version)
        log(f"migration {version} ({description}): applied{detail}")
    newer = [v for v in applied_migrations(conn) if v > SCHEMA_VERSION]
    if newer:
        log(f"database has migrations {newer} that this version does not know "
            f"(a newer notes-web was installed before); leaving them as they are")
    return applied_now


# --- the application's view -------------------------------------------------------------

def open_db(path=None, require_current: bool = True) -> sqlite3.Connection:
    """Open the database for the application.

    A brand-new database gets the current schema; an existing one is used as it is
    (``require_current`` is there for the same signature as in later versions).
    """
    conn = connect(path)
    try:
        if not table_exists(conn, "notes"):
            migrate(conn, log=lambda message: None)
    except BaseException:
        conn.close()
        raise
    return conn


def validate_body(body) -> str:
    if not isinstance(body, str):
        raise ValueError("body must be a string")
    if not body.strip():
        raise ValueError("body must not be empty")
    if len(body) > MAX_BODY:
        raise ValueError(f"body is longer than {MAX_BODY} characters")
    return body


def _note(row: sqlite3.Row) -> dict:
    return {"id": row["id"], "body": row["body"], "created": row["created"]}


def add_note(conn: sqlite3.Connection, body: str) -> dict:
    body = validate_body(body)
    cursor = conn.execute(
        "INSERT INTO notes (body, created) VALUES (?, ?)", (body, now())
    )
    return get_note(conn, cursor.lastrowid)


def get_note(conn: sqlite3.Connection, note_id: int):
    row = conn.execute(
        "SELECT id, body, created FROM notes WHERE id = ?", (note_id,)
    ).fetchone()
    return None if row is None else _note(row)


def list_notes(conn: sqlite3.Connection) -> list:
    rows = conn.execute("SELECT id, body, created FROM notes ORDER BY id")
    return [_note(row) for row in rows]

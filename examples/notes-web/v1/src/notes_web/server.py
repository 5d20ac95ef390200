"""The HTTP interface of notes-web (``http.server``, one SQLite connection per request).

    GET  /                HTML page listing the notes
    GET  /api/notes       JSON array of notes
    GET  /api/notes/<id>  one note as JSON (404 if there is none)
    POST /api/notes       JSON {"body": "..."} -> 201 and the new note as JSON
    GET  /healthz         JSON {"status": "ok", "version": "..."}
    GET  /static/<name>   the package's static files (the page's stylesheet); behind the
                          nginx site of the Linux packages, nginx serves them itself
"""

import html
import json
import re
import socket
from http import HTTPStatus
from pathlib import Path
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from notes_web import __version__, db

#: Largest request body accepted by POST /api/notes, in bytes.
MAX_REQUEST = 64 * 1024

_NOTE_PATH = re.compile(r"/api/notes/([0-9]{1,18})")

#: The static files, served under /static/ (by nginx in front of the service, else here).
STATIC_DIR = Path(__file__).with_name("static")
_STATIC_PATH = re.compile(r"/static/([A-Za-z0-9_-]+\.css)")


class NotesServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address, db_file):
        host = address[0]
        if ":" in host:
            self.address_family = socket.AF_INET6
        self.db_file = db_file
        super().__init__(address, NotesHandler)


class NotesHandler(BaseHTTPRequestHandler):
    server_version = f"notes-web/{__version__}"

    # --- responses ---------------------------------------------------------------------

    def _send(self, status, body: bytes, content_type: str, headers=()):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status, value, headers=()):
        body = (json.dumps(value, indent=None) + "\n").encode("utf-8")
        self._send(status, body, "application/json; charset=utf-8", headers)

    def _error(self, status: HTTPStatus, message: str, headers=()):
        self._json(status, {"error": message}, headers)

    # --- routing -----------------------------------------------------------------------

    def do_GET(self):
        path = self.path.split("?", 1)[0]
        if path == "/":
            return self._with_db(self._page)
        if path == "/api/notes":
            return self._with_db(lambda conn: self._json(HTTPStatus.OK, db.list_notes(conn)))
        match = _NOTE_PATH.fullmatch(path)
        if match:
            return self._with_db(lambda conn: self._one(conn, int(match.group(1))))
        if path == "/healthz":
            return self._json(HTTPStatus.OK, {"status": "ok", "version": __version__})
        static = _STATIC_PATH.fullmatch(path)
        if static:
            return self._static(static.group(1))
        return self._error(HTTPStatus.NOT_FOUND, f"no such resource: {path}")

    def do_POST(self):
        path = self.path.split("?", 1)[0]
        if path != "/api/notes":
            return self._not_allowed()
        length = self.headers.get("Content-Length")
        if length is None:
            return self._error(HTTPStatus.LENGTH_REQUIRED, "Content-Length is required")
        try:
            size = int(length)
        except ValueError:
            return self._error(HTTPStatus.BAD_REQUEST, "invalid Content-Length")
        if size < 0:
            return self._error(HTTPStatus.BAD_REQUEST, "invalid Content-Length")
        if size > MAX_REQUEST:
            self.close_connection = True
            return self._error(HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                               f"request body is larger than {MAX_REQUEST} bytes")
        raw = self.rfile.read(size)
        try:
            payload = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            return self._error(HTTPStatus.BAD_REQUEST, f"request body is not JSON: {exc}")
        if not isinstance(payload, dict) or "body" not in payload:
            return self._error(HTTPStatus.BAD_REQUEST, 'expected a JSON object {"body": "..."}')
        return self._with_db(lambda conn: self._create(conn, payload))

    def _not_allowed(self):
        path = self.path.split("?", 1)[0]
        if path == "/api/notes":
            allow = "GET, POST"
        elif (path in ("/", "/healthz") or _NOTE_PATH.fullmatch(path)
              or _STATIC_PATH.fullmatch(path)):
            allow = "GET"
        else:
            return self._error(HTTPStatus.NOT_FOUND, f"no such resource: {path}")
        return self._error(HTTPStatus.METHOD_NOT_ALLOWED, "method not allowed", [("Allow", allow)])

    do_PUT = do_DELETE = do_PATCH = _not_allowed

    def _create(self, conn, payload):
        try:
            note = db.add_note(conn, payload["body"])
        except ValueError as exc:
            return self._error(HTTPStatus.BAD_REQUEST, str(exc))
        return self._json(HTTPStatus.CREATED, note, [("Location", f"/api/notes/{note['id']}")])

    def _one(self, conn, note_id):
        note = db.get_note(conn, note_id)
        if note is None:
            return self._error(HTTPStatus.NOT_FOUND, f"no note {note_id}")
        return self._json(HTTPStatus.OK, note)

    def _static(self, name):
        try:
            body = (STATIC_DIR / name).read_bytes()
        except OSError:
            return self._error(HTTPStatus.NOT_FOUND, f"no such resource: /static/{name}")
        return self._send(HTTPStatus.OK, body, "text/css; charset=utf-8")

    def _page(self, conn):
        notes = db.list_notes(conn)
        items = "\n".join(
            f'<li id="note-{n["id"]}"><pre>{html.escape(n["body"])}</pre>'
            f'<small>#{n["id"]}, {html.escape(n["created"])}</small></li>'
            for n in notes
        )
        page = (
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<title>Notes</title><link rel=\"stylesheet\" href=\"/static/style.css\">"
            "</head><body>\n<h1>Notes</h1>\n"
            f"<p>{len(notes)} note(s). notes-web {html.escape(__version__)}; "
            "add one with <code>POST /api/notes</code>.</p>\n"
            f"<ul>\n{items}\n</ul>\n</body></html>\n"
        )
        self._send(HTTPStatus.OK, page.encode("utf-8"), "text/html; charset=utf-8")

    def _with_db(self, action):
        try:
            conn = db.open_db(self.server.db_file)
        except (db.SchemaError, db.sqlite3.Error, OSError) as exc:
            return self._error(HTTPStatus.SERVICE_UNAVAILABLE, f"database unavailable: {exc}")
        try:
            return action(conn)
        except db.sqlite3.Error as exc:
            return self._error(HTTPStatus.INTERNAL_SERVER_ERROR, f"database error: {exc}")
        finally:
            conn.close()


def make_server(host: str, port: int, db_file) -> NotesServer:
    """Bind (port 0 picks a free port; see ``server.server_address``) without serving yet."""
    return NotesServer((host, port), db_file)

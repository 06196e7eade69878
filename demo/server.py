"""A small local web server for the bundled demo portal (or any static directory).

    from demo.server import serve
    server, base_url = serve(Path("demo/portal"))      # port 0: a free port
    ...                                                 # fetch base_url + "/trs/index.html"
    server.shutdown(); server.server_close()

    python -m demo.server [--port N] [--host H] [--root DIR]   # foreground, Ctrl-C to stop

Files are served with a Content-Type from their extension.  `.html` (and a
file without extension, like gkmlpt's /gkmlpt/index) goes out as plain
`text/html` WITHOUT a charset parameter, so that clients have to detect the
encoding (the /plain/ site is GBK, one page with no declaration at all).  A
`_headers` file at the root (the format static hosts use: a path line, then
indented "Name: value" lines) replaces headers of single paths, e.g. a UTF-8
charset on a GBK page, as misconfigured portals send; it is not served itself.
A directory serves its index.html (a request without the trailing slash is
redirected); anything missing is a 404.  Query strings are ignored by files.
Requests are not logged.

Three dynamic endpoints answer from data files beside them, the way the CMSs'
list APIs do (paging honoured; see demo/portal/README.md):

  POST …/module/web/jpage/dataproxy.jsp?startrecord=S&endrecord=E&perpage=P
       form columnid=N …    Hanweb: records S..E of columns/N.xml, with <totalrecord>
  GET  …/gkmlpt/api/all/CAT?page=N&sid=SID
                            gkmlpt: page N of CAT.json {"articles", "total", "page"}
  GET  …/trsapi/list?channelid=C&page=N
                            TRS: page N of list-C.json; a page past the end repeats
                            the last one, as some TRS APIs do
"""

from __future__ import annotations

import argparse
import json
import posixpath
import re
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

DEFAULT_ROOT = Path(__file__).resolve().parent / "portal"

CONTENT_TYPES = {
    ".html": "text/html",
    ".htm": "text/html",
    ".shtml": "text/html",
    ".pdf": "application/pdf",
    ".xml": "application/xml",
    ".txt": "text/plain",
    ".md": "text/plain; charset=utf-8",
    ".js": "application/javascript",
    ".css": "text/css",
    ".json": "application/json",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".gif": "image/gif",
    ".doc": "application/msword",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xls": "application/vnd.ms-excel",
    ".wps": "application/vnd.ms-works",
}


NOT_FOUND = (
    b"<html><head><title>404 Not Found</title></head><body><h1>404 Not Found</h1></body></html>\n"
)
HEADERS_FILE = "_headers"


def read_headers_file(root: Path) -> dict[str, dict[str, str]]:
    """{url path: {header: value}} from root/_headers (absent: no overrides)."""
    path = root / HEADERS_FILE
    overrides: dict[str, dict[str, str]] = {}
    if not path.is_file():
        return overrides
    current = None
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line[0].isspace():
            current = overrides.setdefault(line.strip(), {})
        elif current is not None and ":" in line:
            name, value = line.split(":", 1)
            current[name.strip()] = value.strip()
    return overrides


# --- the list APIs, answered from data files ------------------------------------------------

_RECORD = re.compile(r"<record>.*?</record>", re.S)


def hanweb_dataproxy(directory: Path, query: dict[str, str], form: dict[str, str]) -> bytes:
    """Records startrecord..endrecord (1-based, inclusive) of the column's datastore."""
    column = form.get("columnid", "")
    source = directory / "columns" / f"{column}.xml"
    records = (
        _RECORD.findall(source.read_text("utf-8")) if column.isdigit() and source.is_file() else []
    )
    start = max(_int(query.get("startrecord"), 1), 1)
    end = min(_int(query.get("endrecord"), start + 44), len(records))
    per_page = max(_int(query.get("perpage"), 15), 1)
    chosen = "\n".join(records[start - 1 : end])
    pages = -(-len(records) // per_page)
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<datastore>\n<totalrecord>{len(records)}'
        f"</totalrecord>\n<totalpage>{pages}</totalpage>\n<recordset>\n{chosen}\n</recordset>\n"
        "</datastore>\n"
    ).encode()


def gkmlpt_api(directory: Path, category: str, query: dict[str, str]) -> bytes:
    """Page `page` (from 1) of the category's articles; a wrong sid finds nothing."""
    source = directory / f"{category}.json"
    data = json.loads(source.read_text("utf-8")) if category.isdigit() and source.is_file() else {}
    articles = data.get("articles", []) if query.get("sid") == data.get("sid") else []
    size = data.get("page_size", 100)
    page = max(_int(query.get("page"), 1), 1)
    answer = {
        "articles": articles[(page - 1) * size : page * size],
        "total": len(articles),
        "page": page,
    }
    return json.dumps(answer, ensure_ascii=False).encode("utf-8")


def trs_api(directory: Path, query: dict[str, str]) -> bytes:
    """Page `page` (from 1) of the channel's documents; past the end, the last page again."""
    channel = query.get("channelid", "")
    source = directory / f"list-{channel}.json"
    data = json.loads(source.read_text("utf-8")) if channel.isdigit() and source.is_file() else {}
    records = data.get("records", [])
    size = data.get("pageSize", 20)
    last = max(-(-len(records) // size), 1)
    page = min(max(_int(query.get("page"), 1), 1), last)
    answer = {
        "code": 200,
        "msg": "success",
        "data": {
            "total": len(records),
            "pageSize": size,
            "page": page,
            "list": records[(page - 1) * size : page * size],
        },
    }
    return json.dumps(answer, ensure_ascii=False).encode("utf-8")


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


def resolve_under(root: Path, url_path: str) -> Path | None:
    """Where url_path points below root (existing or not); None when it would leave root."""
    root = root.resolve()
    parts = [
        p
        for p in posixpath.normpath(urllib.parse.unquote(url_path)).split("/")
        if p not in ("", ".", "..")
    ]
    target = root.joinpath(*parts) if parts else root
    try:
        target.resolve().relative_to(root)
    except ValueError:
        return None
    return target


class QuietServer(ThreadingHTTPServer):
    """Threads per request; clients that go away mid-request are no error worth printing."""

    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        # Clients that go away mid-request (a killed crawl, a timeout) are expected here.
        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)


_GKMLPT_API = re.compile(r"/gkmlpt/api/all/([^/]+)$")


class PortalHandler(BaseHTTPRequestHandler):
    """Serves files below `root` (set on the subclass made by `serve`)."""

    root: Path = DEFAULT_ROOT
    server_version = "DemoPortal/1.0"
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self._respond(send_body=True)

    def do_HEAD(self) -> None:
        self._respond(send_body=False)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode("utf-8", "replace")))
        parts = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(parts.query))
        target = self._resolve(parts.path)
        if target is not None and target.name == "dataproxy.jsp" and target.parent.is_dir():
            data = hanweb_dataproxy(target.parent, query, form)
            self._send(200, "text/xml;charset=UTF-8", data, True)
        else:
            self._send(405, "text/html", b"<html><body>405 Method Not Allowed</body></html>", True)

    def log_message(self, format: str, *args) -> None:  # quiet
        pass

    def _resolve(self, url_path: str) -> Path | None:
        return resolve_under(self.root, url_path)

    def _api(self, url_path: str, query: dict[str, str]) -> bytes | None:
        """The answer of a list API at url_path, or None when it is not one."""
        gkmlpt = _GKMLPT_API.search(url_path)
        if gkmlpt:
            directory = self._resolve(url_path.rsplit("/", 1)[0])
            return gkmlpt_api(directory, gkmlpt.group(1), query) if directory else None
        if url_path.endswith("/trsapi/list"):
            directory = self._resolve(url_path.rsplit("/", 1)[0])
            return trs_api(directory, query) if directory else None
        return None

    def _respond(self, send_body: bool) -> None:
        parts = urllib.parse.urlsplit(self.path)
        url_path = parts.path or "/"
        answer = self._api(url_path, dict(urllib.parse.parse_qsl(parts.query)))
        if answer is not None:
            self._send(200, "application/json;charset=UTF-8", answer, send_body)
            return
        target = self._resolve(url_path)
        if target is not None and target.is_dir():
            if not url_path.endswith("/"):
                self.send_response(301)
                self.send_header("Location", url_path + "/")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            target = target / "index.html"
        if target is None or not target.is_file() or target.name == HEADERS_FILE:
            self._send(404, "text/html", NOT_FOUND, send_body)
            return
        suffix = target.suffix.lower()
        ctype = "text/html" if not suffix else CONTENT_TYPES.get(suffix, "application/octet-stream")
        headers = read_headers_file(self.root.resolve()).get(url_path, {})
        self._send(200, ctype, target.read_bytes(), send_body, headers)

    def _send(
        self,
        status: int,
        ctype: str,
        data: bytes,
        send_body: bool,
        headers: dict[str, str] | None = None,
    ) -> None:
        headers = {"Content-Type": ctype, **(headers or {})}
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if send_body:
            self.wfile.write(data)


def serve(root: Path = DEFAULT_ROOT, host: str = "127.0.0.1", port: int = 0):
    """Start serving `root` in a daemon thread; returns (server, base_url).

    base_url has no trailing slash, e.g. "http://127.0.0.1:43117".  Stop with
    server.shutdown() and server.server_close()."""
    handler = type("BoundPortalHandler", (PortalHandler,), {"root": Path(root).resolve()})
    server = QuietServer((host, port), handler)
    thread = threading.Thread(target=server.serve_forever, name="demo-portal-server", daemon=True)
    thread.start()
    bound_host, bound_port = server.server_address[:2]
    return server, f"http://{bound_host}:{bound_port}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Serve the demo portal on a local port.")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0, help="0 picks a free port (default)")
    ap.add_argument(
        "--root", type=Path, default=DEFAULT_ROOT, help="directory to serve (default: %(default)s)"
    )
    args = ap.parse_args(argv)
    if not args.root.is_dir():
        print(f"not a directory: {args.root}", file=sys.stderr)
        return 2
    server, base_url = serve(args.root, args.host, args.port)
    print(base_url + "/", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

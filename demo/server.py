"""A small local web server for the bundled demo portal (or any static directory).

    from demo.server import serve
    server, base_url = serve(Path("demo/portal"))      # port 0: a free port
    ...                                                 # fetch base_url + "/trs/index.html"
    server.shutdown(); server.server_close()

    python -m demo.server [--port N] [--host H] [--root DIR]   # foreground, Ctrl-C to stop

Files are served with a Content-Type from their extension.  `.html` goes out
as plain `text/html` WITHOUT a charset parameter, so that clients have to
detect the encoding (the /plain/ site is GBK, one page with no declaration at
all).  A directory serves its index.html (a request without the trailing
slash is redirected); anything missing is a 404.  Query strings are ignored.
Requests are not logged.
"""

from __future__ import annotations

import argparse
import posixpath
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


class PortalHandler(BaseHTTPRequestHandler):
    """Serves files below `root` (set on the subclass made by `serve`)."""

    root: Path = DEFAULT_ROOT
    server_version = "DemoPortal/1.0"
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self._respond(send_body=True)

    def do_HEAD(self) -> None:
        self._respond(send_body=False)

    def log_message(self, format: str, *args) -> None:  # quiet
        pass

    def _resolve(self, url_path: str) -> Path | None:
        root = self.root.resolve()
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

    def _respond(self, send_body: bool) -> None:
        url_path = urllib.parse.urlsplit(self.path).path or "/"
        target = self._resolve(url_path)
        if target is not None and target.is_dir():
            if not url_path.endswith("/"):
                self.send_response(301)
                self.send_header("Location", url_path + "/")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            target = target / "index.html"
        if target is None or not target.is_file():
            self._send(
                404,
                "text/html",
                b"<html><head><title>404 Not Found</title></head>"
                b"<body><h1>404 Not Found</h1></body></html>\n",
                send_body,
            )
            return
        ctype = CONTENT_TYPES.get(target.suffix.lower(), "application/octet-stream")
        self._send(200, ctype, target.read_bytes(), send_body)

    def _send(self, status: int, ctype: str, data: bytes, send_body: bool) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if send_body:
            self.wfile.write(data)


def serve(root: Path = DEFAULT_ROOT, host: str = "127.0.0.1", port: int = 0):
    """Start serving `root` in a daemon thread; returns (server, base_url).

    base_url has no trailing slash, e.g. "http://127.0.0.1:43117".  Stop with
    server.shutdown() and server.server_close()."""
    handler = type("BoundPortalHandler", (PortalHandler,), {"root": Path(root).resolve()})
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
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

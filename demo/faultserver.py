"""A static portal on 127.0.0.1 that misbehaves on purpose, for fault tests and the soak.

    from demo.faultserver import Fault, FaultServer
    with FaultServer(root, faults={"/r/a.html": Fault.http(503, retry_after=1, times=1)}) as s:
        ...  # crawl s.base_url + "/list.html"; s.log lists what was asked and answered

Faults are given per path (query ignored) or drawn at a rate for every other path
(`rate=0.2`, from `rate_kinds`, seeded so that runs repeat). A fault with `times=N`
hits the first N requests of its path, then the path heals (transient faults).

Kinds:
  http          status (500/502/503/404/410/...), with or without Retry-After
  timeout       send nothing for `seconds`, then close
  slow          send the page in small pieces over `seconds`
  reset         close the connection with a TCP RST, before any response
  truncated     Content-Length larger than the body sent, then close
  cut-no-length no Content-Length, `fraction` of the body sent, then close
  unframed      no Content-Length, the whole body, then close (HTTP/1.0 style)
  gzip-cut      Content-Encoding: gzip, `fraction` of the gzip stream, honest length
  redirect-loop /a -> /a?loop=1 -> /a
  redirect-offsite  302 to the same path on 127.0.0.2 (another host, still loopback)
  redirect      302 to `location`
  octet-stream  the page with Content-Type: application/octet-stream
  huge          `size` bytes (50 MB by default), generated as it is sent
  empty         200 with an empty body
  disposition   the file, with Content-Disposition: attachment; filename="<filename>"

Pages are served with ETag and Last-Modified and answer conditional requests with 304
(`validators=False` turns that off). The server is bounded: it stops by itself after
`lifetime` seconds, stalls end when it stops, and the request log keeps at most
`max_log` entries.
"""

from __future__ import annotations

import hashlib
import random
import socket
import struct
import threading
import time
import urllib.parse
from collections import Counter
from dataclasses import dataclass
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path

from demo.server import CONTENT_TYPES as DEMO_CONTENT_TYPES
from demo.server import NOT_FOUND, QuietServer, resolve_under

# The demo server's types, and the .jsp list proxies this server imitates.
CONTENT_TYPES = {**DEMO_CONTENT_TYPES, ".jsp": "text/html; charset=utf-8"}
ROBOTS = "/robots.txt"


@dataclass(frozen=True)
class Fault:
    kind: str
    status: int = 503
    retry_after: str | None = None
    times: int | None = None  # None: every request of the path; N: the first N only
    seconds: float = 0.0  # timeout: how long to stall; slow: how long the body takes
    size: int = 50 << 20  # huge
    declare_length: bool = True  # huge: send Content-Length (else stream until closed)
    filename: str = ""  # disposition: the Content-Disposition file name to send
    fraction: float = 0.6  # cut-no-length, gzip-cut: how much of the body is sent
    location: str = ""  # redirect: where to

    @classmethod
    def http(cls, status: int, retry_after: float | str | None = None, times: int | None = None):
        after = None if retry_after is None else str(retry_after)
        return cls("http", status=status, retry_after=after, times=times)


# What the soak draws from: faults a crawl should retry through or record, never store.
RATE_KINDS = (
    Fault.http(500),
    Fault.http(502),
    Fault.http(503),
    Fault.http(503, retry_after=1),
    Fault("timeout", seconds=30),
    Fault("slow", seconds=0.5),
    Fault("reset"),
    Fault("truncated"),
    Fault("empty"),
)


class FaultServer:
    def __init__(
        self,
        root: str | Path,
        faults: dict[str, Fault] | None = None,
        rate: float = 0.0,
        rate_kinds: tuple[Fault, ...] = RATE_KINDS,
        seed: int = 0,
        lifetime: float = 300.0,
        validators: bool = True,
        max_log: int = 100_000,
    ):
        self.root = Path(root).resolve()
        self.faults = dict(faults or {})
        self.rate = rate
        self.rate_kinds = rate_kinds
        self.random = random.Random(seed)
        self.lifetime = lifetime
        self.validators = validators
        self.max_log = max_log
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        self.hits: Counter = Counter()  # path -> requests seen
        self.injected: Counter = Counter()  # fault label -> times injected
        self.log: list[dict] = []
        handler = type("BoundFaultHandler", (FaultHandler,), {"fault_server": self})
        self.httpd = QuietServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._threads: list[threading.Thread] = []

    # --- lifecycle ----------------------------------------------------------------------------

    def start(self) -> FaultServer:
        serving = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        watchdog = threading.Thread(target=self._watchdog, daemon=True)
        self._threads = [serving, watchdog]
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        if not self.stopping.is_set():
            self.stopping.set()
            self.httpd.shutdown()
            self.httpd.server_close()

    def _watchdog(self) -> None:
        if not self.stopping.wait(self.lifetime):
            self.stop()

    def __enter__(self) -> FaultServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # --- bookkeeping --------------------------------------------------------------------------

    def fault_for(self, path: str) -> Fault | None:
        with self.lock:
            self.hits[path] += 1
            count = self.hits[path]
            fault = self.faults.get(path)
            if fault is not None:
                return fault if fault.times is None or count <= fault.times else None
            if self.rate and path != ROBOTS and self.random.random() < self.rate:
                return self.random.choice(self.rate_kinds)
            return None

    def record(self, entry: dict) -> None:
        with self.lock:
            if entry.get("fault"):
                self.injected[entry["fault"]] += 1
            if len(self.log) < self.max_log:
                self.log.append(entry)

    def requests_for(self, path: str) -> list[dict]:
        with self.lock:
            return [entry for entry in self.log if entry["path"] == path]


def label(fault: Fault) -> str:
    if fault.kind == "http":
        return f"http {fault.status}" + (" retry-after" if fault.retry_after else "")
    return fault.kind


class FaultHandler(BaseHTTPRequestHandler):
    fault_server: FaultServer
    protocol_version = "HTTP/1.1"
    server_version = "FaultPortal/1.0"

    def log_message(self, format, *args) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        # Hanweb's data proxy answers POSTs with a file: same here, form ignored.
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(min(length, 1 << 20))
        self._handle()

    # --- dispatch -----------------------------------------------------------------------------

    def _handle(self) -> None:
        server = self.fault_server
        parts = urllib.parse.urlsplit(self.path)
        path = parts.path or "/"
        fault = server.fault_for(path)
        server.record(
            {
                "time": time.time(),
                "method": self.command,
                "path": path,
                "query": parts.query,
                "fault": label(fault) if fault else None,
                "if_none_match": self.headers.get("If-None-Match"),
                "if_modified_since": self.headers.get("If-Modified-Since"),
            }
        )
        if fault is None:
            self._serve_file(path)
        else:
            getattr(self, "_fault_" + fault.kind.replace("-", "_"))(fault, path, parts.query)

    def _file(self, path: str) -> Path | None:
        target = resolve_under(self.fault_server.root, path)
        if target is not None and target.is_dir():
            target = target / "index.html"
        return target if target is not None and target.is_file() else None

    def _serve_file(self, path: str, content_type: str | None = None, pace: float = 0) -> None:
        """The file at path (304 when the request's validators match); `pace` seconds
        spread the body over ten pieces."""
        target = self._file(path)
        if target is None:
            self._send(404, NOT_FOUND)
            return
        body = target.read_bytes()
        headers = {}
        if self.fault_server.validators:
            etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
            modified = formatdate(int(target.stat().st_mtime), usegmt=True)
            headers = {"ETag": etag, "Last-Modified": modified}
            if self._not_modified(etag, target.stat().st_mtime):
                self._send(304, b"", headers=headers)
                return
        ctype = content_type or CONTENT_TYPES.get(target.suffix.lower(), "application/octet-stream")
        if not pace:
            self._send(200, body, ctype, headers)
            return
        self._send(200, b"", ctype, headers, length=len(body))
        step = len(body) // 10 + 1
        for start in range(0, len(body), step):
            if self.fault_server.stopping.wait(pace / 10):
                break
            self._write(body[start : start + step])

    def _not_modified(self, etag: str, mtime: float) -> bool:
        if_none_match = self.headers.get("If-None-Match")
        if if_none_match is not None:
            return etag in [tag.strip() for tag in if_none_match.split(",")]
        since = self.headers.get("If-Modified-Since")
        if since:
            try:
                return int(mtime) <= parsedate_to_datetime(since).timestamp()
            except (TypeError, ValueError):
                return False
        return False

    def _send(
        self,
        status: int,
        body: bytes,
        content_type: str = "text/html",
        headers: dict[str, str] | None = None,
        length: int | None = None,
    ) -> None:
        self.send_response(status)
        if status != 304:
            self.send_header("Content-Type", content_type)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if status != 304:
            self.send_header("Content-Length", str(len(body) if length is None else length))
        self.end_headers()
        if body and self.command != "HEAD":
            self.wfile.write(body)

    # --- faults -------------------------------------------------------------------------------

    def _fault_http(self, fault: Fault, path: str, query: str) -> None:
        headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
        body = f"<html><body><h1>{fault.status} error</h1></body></html>".encode()
        self._send(fault.status, body, headers=headers)

    def _fault_timeout(self, fault: Fault, path: str, query: str) -> None:
        self.fault_server.stopping.wait(fault.seconds)
        self.close_connection = True

    def _fault_slow(self, fault: Fault, path: str, query: str) -> None:
        self._serve_file(path, pace=fault.seconds)

    def _fault_reset(self, fault: Fault, path: str, query: str) -> None:
        # SO_LINGER with a zero timeout makes close() send RST instead of FIN.
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        self.connection.close()

    def _fault_truncated(self, fault: Fault, path: str, query: str) -> None:
        body = self._body(path)
        self._send(200, body[: len(body) // 2], length=len(body))
        self.close_connection = True

    def _fault_cut_no_length(self, fault: Fault, path: str, query: str) -> None:
        body = self._body(path)
        self._send_unframed(body[: int(len(body) * fault.fraction)])

    def _fault_unframed(self, fault: Fault, path: str, query: str) -> None:
        self._send_unframed(self._body(path))

    def _fault_gzip_cut(self, fault: Fault, path: str, query: str) -> None:
        import gzip

        packed = gzip.compress(self._body(path))
        cut = packed[: int(len(packed) * fault.fraction)]
        self._send(200, cut, headers={"Content-Encoding": "gzip"})

    def _body(self, path: str) -> bytes:
        target = self._file(path)
        return target.read_bytes() if target else b"<html><body>" + b"x" * 4000

    def _send_unframed(self, body: bytes) -> None:
        """A body delimited only by closing the connection."""
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
        self.close_connection = True

    def _fault_redirect_loop(self, fault: Fault, path: str, query: str) -> None:
        location = path if query else path + "?loop=1"
        self._send(302, b"", headers={"Location": location})

    def _fault_redirect_offsite(self, fault: Fault, path: str, query: str) -> None:
        # Another host for Scrapy's offsite rule, still the loopback range if ever fetched.
        location = f"http://127.0.0.2:{self.fault_server.port}{path}"
        self._send(302, b"", headers={"Location": location})

    def _fault_redirect(self, fault: Fault, path: str, query: str) -> None:
        self._send(302, b"", headers={"Location": fault.location})

    def _fault_octet_stream(self, fault: Fault, path: str, query: str) -> None:
        self._serve_file(path, content_type="application/octet-stream")

    def _fault_huge(self, fault: Fault, path: str, query: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        if fault.declare_length:
            self.send_header("Content-Length", str(fault.size))
        else:
            self.close_connection = True  # the end of the body is the end of the connection
        self.end_headers()
        chunk = b"<table><tr><td>0</td></tr></table>\n" * 1800  # ~64 KB
        sent = 0
        while sent < fault.size and not self.fault_server.stopping.is_set():
            piece = chunk[: fault.size - sent]
            if not self._write(piece):
                break
            sent += len(piece)

    def _fault_empty(self, fault: Fault, path: str, query: str) -> None:
        self._send(200, b"")

    def _fault_disposition(self, fault: Fault, path: str, query: str) -> None:
        target = self._file(path)
        body = target.read_bytes() if target else b""
        name = fault.filename.replace("\\", "\\\\").replace('"', '\\"')
        # Header values must be latin-1 on the wire: send the name's UTF-8 bytes as such,
        # the way many servers do.
        value = f'attachment; filename="{name}"'.encode().decode("latin-1")
        ctype = CONTENT_TYPES.get(Path(path).suffix.lower(), "application/octet-stream")
        self._send(200, body, ctype, {"Content-Disposition": value})

    def _write(self, data: bytes) -> bool:
        """Write, and tell whether the client is still there."""
        try:
            self.wfile.write(data)
            self.wfile.flush()
            return True
        except OSError:  # the crawler gave up on this response (size cap, timeout)
            self.close_connection = True
            return False


# --- a portal to misbehave with ---------------------------------------------------------------

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "corpus"
# Real documents (tests/fixtures/corpus/SOURCES.tsv): the report of 上海市人民政府办公厅 on
# 2019 (an article fragment, 198 table cells) and the PDF report of 淮安市 on 2024.
REPORT_FRAGMENT = FIXTURES / "shanghai-bgt-2019.html"
ATTACHMENT = FIXTURES / "huaian-city-2024.pdf"
REPORT_TITLE = "示范县{n}号单位2023年政府信息公开工作年度报告"


def report_page(organ: str | None = None) -> bytes:
    """The real report in a page template made here, attaching the real PDF; with organ,
    another body's report (its name in place of 上海市人民政府办公厅): another report."""
    title = "上海市人民政府办公厅2019年政府信息公开工作年度报告"
    page = (
        '<!DOCTYPE html><html><head><meta charset="utf-8">'
        f"<title>{title}</title></head><body>"
        '<div class="nav"><a href="/">首页</a> <a href="/list.html">信息公开年报</a></div>'
        f'<div class="content">{REPORT_FRAGMENT.read_text(encoding="utf-8")}'
        f'<p>附件：<a href="/r/{ATTACHMENT.name}">淮安市2024年政府信息公开工作年度报告.pdf</a></p>'
        '</div><div class="footer">主办：示范县人民政府 网站标识码：1234567890</div>'
        "</body></html>"
    )
    return (page.replace("上海市人民政府办公厅", organ) if organ else page).encode()


def build_portal(root: str | Path, names: list[str], per_page: int = 20) -> dict[str, str]:
    """A column at /list.html (then /list_2.html, ...) linking /r/<name>.html, each its
    own report (report_page of organ 示范县<name>局: one report is stored once, however
    many URLs hold it), attaching /r/huaian-city-2024.pdf. Returns {name: path}."""
    root = Path(root)
    (root / "r").mkdir(parents=True, exist_ok=True)
    paths = {}
    for name in names:
        organ = "示范县" + "".join(ch for ch in name if ch.isalnum()) + "局"  # one name, one organ
        (root / "r" / f"{name}.html").write_bytes(report_page(organ))
        paths[name] = f"/r/{name}.html"
    (root / "r" / ATTACHMENT.name).write_bytes(ATTACHMENT.read_bytes())
    (root / "robots.txt").write_text("User-agent: *\nDisallow: /private/\n", encoding="utf-8")
    chunks = [names[i : i + per_page] for i in range(0, len(names), per_page)] or [[]]
    for number, chunk in enumerate(chunks, start=1):
        items = "".join(
            f'<li><a href="/r/{name}.html" title="{REPORT_TITLE.format(n=name)}">'
            f"{REPORT_TITLE.format(n=name)}</a><span>2024-02-09</span></li>"
            for name in chunk
        )
        pager = f'<a href="list_{number + 1}.html">下一页</a>' if number < len(chunks) else ""
        page = (
            '<!DOCTYPE html><html><head><meta charset="utf-8"><title>信息公开年报</title></head>'
            f'<body><ul class="list">{items}</ul><div class="pager">{pager}</div></body></html>'
        )
        name = "list.html" if number == 1 else f"list_{number}.html"
        (root / name).write_text(page, encoding="utf-8")
    return paths

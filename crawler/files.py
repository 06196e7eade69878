"""Where fetched attachments go on disk (the optional ATTACHMENTS_DIR setting).

File names from URLs and Content-Disposition headers are written by whoever runs the
server: "../../etc/passwd", "/home/x/.ssh/id", "a.pdf\\x00.sh", 10,000 characters. None of
that reaches the file system. A file is named by the SHA-256 of its content (which is
pages.content_hash, so a stored page finds its file) plus an extension that is kept
only when it is a short run of [a-z0-9]:

    ATTACHMENTS_DIR/ab/ab12…ef.pdf
"""

from __future__ import annotations

import os
import re
import tempfile
from email.message import Message
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from output.store import content_hash

FALLBACK_EXTENSION = "bin"
_EXTENSION = re.compile(r"[a-z0-9]{1,8}")


def disposition_filename(header: str | bytes | None) -> str | None:
    """The filename (or RFC 5987 filename*) of a Content-Disposition header, undecoded junk
    and all; None when there is none. The result is untrusted text, never a path."""
    if not header:
        return None
    if isinstance(header, bytes):
        # Chinese servers send raw GBK or UTF-8 here; latin-1 never fails and the
        # extension, the only part used, is ASCII either way.
        header = header.decode("latin-1")
    message = Message()
    try:
        message["content-disposition"] = header
        name = message.get_filename()
    except (ValueError, TypeError, LookupError):  # hostile parameters; the name is optional
        return None
    return str(name) if name else None


def safe_extension(url: str, filename: str | None = None) -> str:
    """A lower-case [a-z0-9]{1,8} extension from the file name, else the URL's path."""
    for candidate in (filename, unquote(urlsplit(url).path)):
        if not candidate:
            continue
        # Cut at the first NUL (C APIs would), then keep the last path segment of either
        # separator, so "..\\..\\x.pdf" and "../../x.pdf" both give "x.pdf".
        name = candidate.split("\x00", 1)[0].replace("\\", "/")
        name = PurePosixPath(name).name
        if "." in name:
            extension = name.rsplit(".", 1)[1].strip().lower()
            if _EXTENSION.fullmatch(extension):
                return extension
    return FALLBACK_EXTENSION


def attachment_path(root: str | Path, body: bytes, url: str, filename: str | None = None) -> Path:
    """Where body is kept below root: a path made of hex digits and a safe extension."""
    digest = content_hash(body)
    return Path(root) / digest[:2] / f"{digest}.{safe_extension(url, filename)}"


def save_attachment_file(
    root: str | Path, body: bytes, url: str, filename: str | None = None
) -> Path:
    """Write body below root (atomically: a killed run leaves no half file); the path.

    The same content is written once: an existing file of that name is left alone.
    """
    root = Path(root).resolve()
    path = attachment_path(root, body, url, filename)
    # Belt and braces: the name is built from hex digits and [a-z0-9], but a future
    # change to attachment_path must not be able to write outside root.
    if path.resolve().parent.parent != root:
        raise ValueError(f"refusing to write outside {root}: {path}")
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".part-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(body)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path

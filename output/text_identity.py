"""The identity of a report's text (output.identity, rule 2), apart from the database:
a parse worker works it out for crawler.reparse without importing sqlite_utils and the
rest of output (20 MiB more per worker)."""

from __future__ import annotations

import hashlib

from parsers.normalize import encodable, squash

# Shorter normalised texts (a title and little else) identify nothing.
MIN_IDENTITY_TEXT = 200


def text_hash(body_text: str | None) -> str | None:
    """The identity of a report's text, or None when the text is too short to tell."""
    text = squash(body_text or "")  # squash caches short texts only, not bodies
    if len(text) < MIN_IDENTITY_TEXT:
        return None
    # Encoded as it is unless UTF-8 refuses it (a lone surrogate): looking for one first
    # read a report's text twice (encodable's search took 28 µs of a 6,000-character
    # text, the encode 10).
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:
        data = encodable(text).encode("utf-8")
    return hashlib.sha256(data).hexdigest()

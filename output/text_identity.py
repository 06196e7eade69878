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
    return hashlib.sha256(encodable(text).encode("utf-8")).hexdigest()

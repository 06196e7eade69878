"""Site options, typed: each family declares the options it reads (ListStrategy.OPTIONS).

The registry settles a site's options at load, so a typo (`api_ulr`) or a wrong type
(`hanweb_batch: many`) is one error naming the site, the option and the allowed ones,
before anything is fetched. Strategies settle them again (ad-hoc sites, tests), which
fills the declared defaults: code reads `options["hanweb_batch"]`, never int(...).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any


class OptionError(ValueError):
    pass


# Kinds of value an option may hold, by what the registry's YAML can say.
TEXT = "text"
INTEGER = "integer"  # a whole number above zero
TEXT_OR_INTEGER = "text or integer"  # ids that YAML reads as numbers (sid: 755001)
REGEX = "regular expression"
FIELDS = "field name or list of field names"
HOSTS = "list of host names"
FORM = "mapping of form fields"


@dataclass(frozen=True)
class Option:
    kind: str
    default: Any = None  # filled in when the site does not set the option


def settle(declared: dict[str, Option], given: dict | None, family: str) -> dict:
    """The options of a site of `family`: checked against `declared`, defaults filled.

    An option given as null counts as not given. Raises OptionError naming the option.
    """
    allowed = ", ".join(sorted(declared))
    settled = {}
    for name, value in (given or {}).items():
        option = declared.get(name)
        if option is None:
            raise OptionError(f"unknown option {name!r} for family {family} (allowed: {allowed})")
        if value is None:
            continue
        problem = _problem(option.kind, value)
        if problem:
            raise OptionError(
                f"option {name!r} must be a {option.kind}, not {value!r}: {problem}"
                f" (family {family} allows: {allowed})"
            )
        settled[name] = value
    for name, option in declared.items():
        if name not in settled and option.default is not None:
            settled[name] = option.default
    return settled


def _problem(kind: str, value: Any) -> str | None:
    """Why value is not of kind, or None."""
    if kind == TEXT:
        return None if isinstance(value, str) else "not text"
    if kind == INTEGER:
        ok = isinstance(value, int) and not isinstance(value, bool) and value > 0
        return None if ok else "not a whole number above zero"
    if kind == TEXT_OR_INTEGER:
        ok = isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool))
        return None if ok else "neither text nor a whole number"
    if kind == REGEX:
        if not isinstance(value, str):
            return "not text"
        try:
            re.compile(value)
        except re.error as error:
            return f"does not compile ({error})"
        return None
    if kind in (FIELDS, HOSTS):
        if kind == FIELDS and isinstance(value, str):
            return None
        # A tuple is a default already filled in (options are settled again by strategies).
        ok = isinstance(value, (list, tuple)) and all(isinstance(item, str) for item in value)
        return None if ok else "not a list of text"
    if kind == FORM:
        ok = isinstance(value, dict) and all(
            isinstance(v, (str, int, float)) and not isinstance(v, bool) for v in value.values()
        )
        return None if ok else "not a mapping of names to text or numbers"
    raise ValueError(f"no such option kind: {kind}")  # a programming error, not the user's

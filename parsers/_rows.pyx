# cython: language_level=3, boundscheck=False, wraparound=False
"""The token stream's hot loops of parsers/tables.py and parsers/tokens.py, compiled:
the label searches (tokens.Labels.first, tables._t3_end), the rows of a stream
(tables._rows) and the making of a row's cells (TableResult.add_row).

The fast paths of those plain Python definitions, which stay beside them and which
tests compare them with on every fixture and on random streams
(tests/test_interpret_fast_paths.py). Tokens are tuples (kind, text, reading); a
label's squashed text is computed once (parsers.normalize.squash) and kept in the
list ``texts`` the plain Labels keeps too.
"""

from cpython.dict cimport PyDict_Copy
from cpython.object cimport PyObject, PyTypeObject
from cpython.unicode cimport Py_UNICODE_ISSPACE

from parsers.normalize import is_blank, squash


cdef extern from "Python.h":
    PyTypeObject PyBaseObject_Type
    int PyObject_GenericSetDict(object, object, void*) except? -1


cdef inline str label_text(list tokens, list indices, list texts, Py_ssize_t number):
    text = texts[number]
    if text is None:
        text = squash((<tuple>tokens[<Py_ssize_t>indices[number]])[1])
        texts[number] = text
    return <str>text


def label_indices(list tokens, label):
    """The indices of the tokens of kind ``label`` (tokens.Labels.indices)."""
    cdef list indices = []
    cdef Py_ssize_t index
    for index in range(len(tokens)):
        if (<tuple>tokens[index])[0] == label:
            indices.append(index)
    return indices


def first_label(list tokens, list indices, list texts, Py_ssize_t number, word,
                Py_ssize_t limit, bint whole, bint pattern):
    """tokens.Labels.first from label ``number`` on (``limit`` < 0: none); ``pattern``:
    ``word`` is a compiled pattern."""
    cdef Py_ssize_t count = len(indices)
    cdef str text
    search = word.search if pattern else None
    while number < count:
        text = label_text(tokens, indices, texts, number)
        if limit < 0 or len(text) <= limit:
            if whole:
                if text == word:
                    return indices[number]
            elif pattern:
                if search(text):
                    return indices[number]
            elif word in text:
                return indices[number]
        number += 1
    return None


def t3_end(list tokens, list indices, list texts, Py_ssize_t number):
    """tables._t3_end from label ``number`` on."""
    cdef Py_ssize_t count = len(indices)
    cdef bint seen_last = False
    cdef str text
    while number < count:
        text = label_text(tokens, indices, texts, number)
        if "结转下年" in text:
            seen_last = True
        elif (seen_last and len(text)) or ("行政复议" in text and len(text) <= 40):
            return indices[number]
        number += 1
    return len(tokens)


def rows(list tokens, classify):
    """tables._rows, as a list: (label tokens, row key, value tokens) of every row.
    ``classify`` is called as the plain generator calls it, in the same order."""
    cdef list found = []
    cdef list labels = []
    cdef list values = []
    cdef tuple token
    cdef _Names n = names()
    value, row_end = n.value, n.row_end
    key = None
    for item in tokens:
        token = <tuple>item
        kind = token[0]
        if kind == value:
            if not values:
                key = classify(labels) if labels else None
                if key is None and is_blank(token[1]):
                    continue  # padding that closes a header row
            values.append(token)
            continue
        if values:
            found.append((labels, key, values))
            labels, key, values = [], None, []
        if kind == row_end:
            continue
        labels.append(token)
    if values:
        found.append((labels, key, values))
    return found


cdef dict _FIELDS = {"key": None, "value": None, "raw": None, "reading": None, "flagged": False}
cdef tuple _NO_ARGUMENTS = ()


def make_cells(cls, keys, values, texts):
    """cls(key, value, text) of each, where cls is the dataclass Cell: each made by
    object.__new__ and given its instance dict whole (a copy of one with the fields in
    their order, reading and flagged at their defaults) instead of a call of the
    dataclass __init__ per cell."""
    cdef list cells = []
    cdef dict fields
    cdef PyTypeObject* base = &PyBaseObject_Type
    cdef Py_ssize_t index, count = min(len(keys), len(values), len(texts))  # as map()
    for index in range(count):
        cell = base.tp_new(<type>cls, <PyObject*>_NO_ARGUMENTS, NULL)
        fields = PyDict_Copy(_FIELDS)
        fields["key"] = keys[index]
        fields["value"] = values[index]
        fields["raw"] = texts[index]
        if PyObject_GenericSetDict(cell, fields, NULL) < 0:
            raise TypeError("a cell's fields cannot be set")
        cells.append(cell)
    return cells


cdef class _Names:
    """What the loops below take from the Python modules, looked up once: those modules
    load this one (parsers.compiled), so it cannot import them when it is loaded."""

    cdef readonly object token, value, label, row_end, blank, is_value_text, number_ends
    cdef readonly object pipe_line_tokens, split_words
    cdef readonly object paragraph, is_short_chrome_line, is_long_chrome_line, footer_limit
    cdef readonly object cell, row_values, mixed_row_values

    def __init__(self):
        from parsers import chrome, model, tables, tokens

        self.token, self.value, self.label = tokens.Token, tokens.VALUE, tokens.LABEL
        self.row_end = tokens.ROW_END
        self.blank, self.number_ends = tokens._BLANK, tokens._NUMBER_ENDS
        self.is_value_text = tokens.is_value_text
        self.pipe_line_tokens, self.split_words = tokens._pipe_line_tokens, tokens._split_words
        self.paragraph = model.Paragraph
        self.is_short_chrome_line = chrome._is_chrome_short_line
        self.is_long_chrome_line = chrome._is_chrome_line
        self.footer_limit = chrome.FOOTER_LIMIT
        self.cell, self.row_values = model.Cell, tables._row_values
        self.mixed_row_values = tables._mixed_row_values


cdef _Names _names = None


cdef _Names names():
    global _names
    if _names is None:
        _names = _Names()
    return _names


def lines_tokens(list lines, list tokens):
    """tokens.tokens_from_lines(lines), added to ``tokens``: a prose line (no pipe, not
    ending in a digit) made a token here, other lines by the Python functions."""
    cdef _Names n = names()
    cdef str line, text
    for item in lines:
        line = <str>item
        if not line:
            continue
        if "|" in line:
            tokens.extend(n.pipe_line_tokens(line))
            continue
        if not line.strip("\r\n"):
            continue
        text = line.strip()
        if not text:  # a whitespace-only line between cells is a blank cell
            tokens.append(n.blank)
        elif text[len(text) - 1] not in n.number_ends:
            kind = n.value if n.is_value_text(text) else n.label
            tokens.append(tuple.__new__(n.token, (kind, text, None)))
        else:
            tokens.extend(n.split_words(text))
    return tokens


def paragraph_lines_kept(paragraph):
    """report._without_chrome's reading of a paragraph: itself when no line of it is
    chrome, else a Paragraph of the lines that are not (None when none is left)."""
    cdef _Names n = names()
    cdef list lines = paragraph.text.split("\n")
    cdef list kept = None
    cdef Py_ssize_t index, count = len(lines)
    cdef Py_ssize_t limit = n.footer_limit
    cdef str line
    for index in range(count):
        line = <str>lines[index]
        if n.is_short_chrome_line(line) if len(line) <= limit else n.is_long_chrome_line(line):
            if kept is None:
                kept = lines[:index]
        elif kept is not None:
            kept.append(line)
    if kept is None:
        return paragraph
    return n.paragraph("\n".join(kept)) if kept else None


cdef inline bint cannot_head(str line, str numerals):
    """sections._cannot_head of the line's first character."""
    if not line:
        return False
    cdef Py_UCS4 first = line[0]
    if first < 128:
        return not Py_UNICODE_ISSPACE(first)
    return 0x4E00 <= first <= 0x9FFF and first not in numerals


def split_sections(list lines, next_heading, str numerals):
    """sections._split with its skip: lines that cannot head a part are not matched."""
    cdef dict sections = {}
    cdef list body = None
    cdef Py_ssize_t last_number = 0
    cdef str line
    for item in lines:
        line = <str>item
        if not cannot_head(line, numerals) and next_heading(line, last_number):
            body = []
            sections[line.strip()] = body
            last_number += 1
        elif body is not None:
            body.append(line)
    return {heading: "\n".join(part).strip() for heading, part in sections.items()}


def fit(list values, Py_ssize_t expected):
    """tables._fit: the row's cells when their count leaves no doubt about placement."""
    cdef Py_ssize_t count = len(values)
    if count == expected:
        return values
    if count < expected:
        return None
    filled = [token for token in values if not is_blank_token(<tuple>token)]
    if len(filled) == expected:
        return filled
    for index in range(expected, count):
        if not is_blank_token(<tuple>values[index]):
            return None
    return values[:expected]


cdef inline bint is_blank_token(tuple token):
    """Token.blank, with the kinds' names looked up once."""
    return token[0] == names().value and is_blank(token[1])


def add_row(result, keys_row, list raws, list readings):
    """TableResult.add_row(keys_row, raws, readings) (``keys_row`` a tables.RowKeys)."""
    cdef tuple row = <tuple>keys_row
    cdef _Names n = names()
    cdef set seen = result.keys
    new = row[2]
    if new is None or any(readings) or not seen.isdisjoint(new):
        result.add_all(row[0], raws, readings)
        return
    if not raws:
        return
    seen.update(new)
    unit = row[3]
    if unit is None:
        values, texts = n.mixed_row_values(raws, row[1])
    else:
        values, texts = n.row_values(tuple(raws), unit)
    result.cells.extend(make_cells(n.cell, row[0], values, texts))

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
    # Not imported with the module: parsers.tokens loads this module (parsers.compiled).
    from parsers.tokens import ROW_END, VALUE
    key = None
    for item in tokens:
        token = <tuple>item
        kind = token[0]
        if kind == VALUE:
            if not values:
                key = classify(labels) if labels else None
                if key is None and is_blank(token[1]):
                    continue  # padding that closes a header row
            values.append(token)
            continue
        if values:
            found.append((labels, key, values))
            labels, key, values = [], None, []
        if kind == ROW_END:
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

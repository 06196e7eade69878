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

from cpython.object cimport PyObject, PyTypeObject
from cpython.dict cimport PyDict_GetItem
from cpython.ref cimport Py_INCREF
from cpython.tuple cimport PyTuple_New, PyTuple_SET_ITEM
from cpython.unicode cimport Py_UNICODE_ISSPACE

from parsers.normalize import is_blank, squash


cdef extern from "Python.h":
    PyTypeObject PyBaseObject_Type


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
    cdef _Found table = _Found(classify)
    read_rows(table, tokens)
    return table.found


cdef class _Table:
    """What read_rows does with a table's rows: classify (a row's label tokens, at its
    first value: its key, None for none) and add (each row, once its values end)."""

    cdef object classify(self, list labels):
        return None

    cdef int add(self, list labels, key, list values) except -1:
        return 0


cdef read_rows(_Table table, list tokens):
    """tables._plain_rows' loop: each row handed to ``table`` as it is found."""
    cdef _Names n = names()
    cdef list labels = []
    cdef list values = []
    cdef tuple token
    value, row_end = n.value, n.row_end
    key = None
    for item in tokens:
        token = <tuple>item
        kind = token[0]
        if kind == value:
            if not values:
                key = table.classify(labels) if labels else None
                if key is None and is_blank(token[1]):
                    continue  # padding that closes a header row
            values.append(token)
            continue
        if values:
            table.add(labels, key, values)
            labels, key, values = [], None, []
        if kind == row_end:
            continue
        labels.append(token)
    if values:
        table.add(labels, key, values)


cdef class _Found(_Table):
    """rows(): the rows listed, each classified by a Python function."""

    cdef object classify_labels
    cdef list found

    def __init__(self, classify):
        self.classify_labels, self.found = classify, []

    cdef object classify(self, list labels):
        return self.classify_labels(labels)

    cdef int add(self, list labels, key, list values) except -1:
        self.found.append((labels, key, values))
        return 0


cdef extern from *:
    """
    /* A member descriptor's __set__ (a slot of a class with __slots__), without the
       attribute lookup of setattr. */
    static int rows_set_member(PyObject *descr, PyObject *obj, PyObject *value) {
        return Py_TYPE(descr)->tp_descr_set(descr, obj, value);
    }
    """
    int set_member "rows_set_member" (object descr, object obj, object value) except -1


cdef tuple _NO_ARGUMENTS = ()


cdef extern from *:
    """
    /* Token(kind, text, None) of the Token type given (a tuple subclass), made as
       tuple.__new__(Token, (kind, text, None)) makes it, less the tuple it copies. */
    static PyObject *rows_new_token(PyObject *type, PyObject *kind, PyObject *text) {
        PyObject *token = ((PyTypeObject *)type)->tp_alloc((PyTypeObject *)type, 3);
        if (token == NULL) return NULL;
        Py_INCREF(kind); PyTuple_SET_ITEM(token, 0, kind);
        Py_INCREF(text); PyTuple_SET_ITEM(token, 1, text);
        Py_INCREF(Py_None); PyTuple_SET_ITEM(token, 2, Py_None);
        return token;
    }
    """
    object new_token "rows_new_token" (object cls, object kind, object text)


def make_cells(cls, keys, values, texts):
    """cls(key, value, text) of each, where cls is the dataclass Cell (slots): each made
    by object.__new__ and its five fields set through their member descriptors (reading
    and flagged at their defaults) instead of a call of the dataclass __init__ per cell."""
    cdef list cells = []
    cdef _Names n = names()
    cdef PyTypeObject* base = &PyBaseObject_Type
    cdef Py_ssize_t index, count = min(len(keys), len(values), len(texts))  # as map()
    if cls is not n.cell:
        return list(map(cls, keys, values, texts))
    key, value, raw, reading, flagged = n.cell_members
    for index in range(count):
        cell = base.tp_new(<type>cls, <PyObject*>_NO_ARGUMENTS, NULL)
        set_member(key, cell, keys[index])
        set_member(value, cell, values[index])
        set_member(raw, cell, texts[index])
        set_member(reading, cell, None)
        set_member(flagged, cell, False)
        cells.append(cell)
    return cells


cdef class _Names:
    """What the loops below take from the Python modules, looked up once: those modules
    load this one (parsers.compiled), so it cannot import them when it is loaded."""

    cdef readonly object token, value, label, row_end, blank, is_value_text, number_ends
    cdef readonly object pipe_line_tokens, split_words
    cdef readonly object paragraph, is_short_chrome_line, is_long_chrome_line, footer_limit
    cdef readonly object cell, cell_members, row_values, mixed_row_values, keys
    cdef readonly object t3_unrecognised, t3_left_out, t2_left_out, in_yuan
    cdef readonly object table, end, cell_tokens, text_cell_token, cell_token

    def __init__(self):
        from parsers import chrome, model, tables, tokens

        self.token, self.value, self.label = tokens.Token, tokens.VALUE, tokens.LABEL
        self.row_end = tokens.ROW_END
        self.table, self.end, self.cell_tokens = model.Table, tokens.END, tokens.CELL_TOKENS
        self.text_cell_token, self.cell_token = tokens._text_cell_token, tokens.cell_token
        self.blank, self.number_ends = tokens._BLANK, tokens._NUMBER_ENDS
        self.is_value_text = tokens.is_value_text
        self.pipe_line_tokens, self.split_words = tokens._pipe_line_tokens, tokens._split_words
        self.paragraph = model.Paragraph
        self.is_short_chrome_line = chrome._is_chrome_short_line
        self.is_long_chrome_line = chrome._is_chrome_line
        self.footer_limit = chrome.FOOTER_LIMIT
        self.cell, self.row_values = model.Cell, tables._row_values
        # Cell's fields' member descriptors, in make_cells' order
        fields = ("key", "value", "raw", "reading", "flagged")
        self.cell_members = tuple(vars(model.Cell)[field] for field in fields)
        self.mixed_row_values, self.keys = tables._mixed_row_values, tables._keys
        self.t3_unrecognised, self.t3_left_out = tables._t3_unrecognised, tables._t3_left_out
        self.t2_left_out, self.in_yuan = tables._t2_left_out, tables._in_yuan


cdef _Names _names = None


cdef _Names names():
    global _names
    if _names is None:
        _names = _Names()
    return _names


def lines_tokens(list lines, list tokens):
    """tokens.tokens_from_lines(lines), added to ``tokens``: a prose line (no pipe, not
    ending in a digit) made a token here, other lines by the Python functions."""
    return _lines_tokens(lines, tokens, names())


cdef list _lines_tokens(list lines, list tokens, _Names n):
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
            tokens.append(new_token(n.token, kind, text))
        else:
            tokens.extend(n.split_words(text))
    return tokens


def document_tokens(list blocks, list tokens):
    """tokens.tokens_from_document of ``blocks``, added to ``tokens``: a text table's
    cells' tokens found in tokens.CELL_TOKENS (made by tokens._text_cell_token when not
    there), a paragraph's lines read by lines_tokens."""
    cdef _Names n = names()
    cdef dict known = n.cell_tokens
    cdef PyObject* found
    table, paragraph, end = n.table, n.paragraph, n.end
    for block in blocks:
        if isinstance(block, table):
            readings = block.readings
            for index, row in enumerate(block.rows):
                if readings is None:
                    for text in row:
                        found = PyDict_GetItem(known, text)
                        tokens.append(n.text_cell_token(text) if found is NULL else <object>found)
                else:
                    tokens.extend(map(n.cell_token, row, readings[index]))
                tokens.append(end)
        elif isinstance(block, paragraph):
            _lines_tokens(block.text.split("\n"), tokens, n)
    return tokens


def document_lines(list blocks, Py_ssize_t limit):
    """report._lines of a document's ``blocks``: its paragraphs' lines and a line of each
    table row, the first ``limit`` only (``limit`` < 0: all)."""
    cdef list lines = []
    cdef _Names n = names()
    table = n.table
    for block in blocks:
        if 0 <= limit <= len(lines):
            return lines[:limit]
        if isinstance(block, table):
            rows = block.rows if limit < 0 else block.rows[: limit - len(lines)]
            for row in rows:
                lines.append("| " + " | ".join(row) + " |")
        else:
            lines.extend(block.text.split("\n"))
    return lines if limit < 0 else lines[:limit]


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
    return _fit(values, expected)


cdef object _fit(list values, Py_ssize_t expected):
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
    _add_row(result, keys_row, raws, readings)


cdef _add_row(result, keys_row, list raws, list readings):
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


cdef tuple label_texts(list labels, Py_ssize_t* size):
    """The texts of a row's label tokens, and (in ``size``) their length in all."""
    cdef Py_ssize_t index, count = len(labels)
    cdef tuple texts = PyTuple_New(count)
    size[0] = 0
    for index in range(count):
        text = (<tuple>labels[index])[1]
        size[0] += len(text)
        Py_INCREF(text)
        PyTuple_SET_ITEM(texts, index, text)
    return texts


def t2_rows(result, list stream, t2_row_and_header, Py_ssize_t labels_kept):
    """tables._read_t2's loop (tables._plain_t2_rows): the rows as tables._rows finds
    them, each row's labels classified by ``t2_row_and_header`` (its cache asked directly
    for texts of at most ``labels_kept`` characters, as its wrapper does), the header a
    row is under carried from row to row, each row placed and added to ``result``."""
    read_rows(_T2(result, t2_row_and_header, labels_kept), stream)


cdef class _T2(_Table):
    cdef object result, cached, plain, columns, column_names, in_yuan
    cdef Py_ssize_t labels_kept
    cdef _Names n

    def __init__(self, result, t2_row_and_header, Py_ssize_t labels_kept):
        self.result, self.labels_kept, self.n = result, labels_kept, names()
        self.cached, self.plain = t2_row_and_header.cached, t2_row_and_header.plain
        self.columns = self.column_names = ()
        self.in_yuan = False

    cdef object classify(self, list labels):
        """The row and the header it is under (the last one before it)."""
        cdef Py_ssize_t size
        texts = label_texts(labels, &size)
        row, header = (self.cached if size <= self.labels_kept else self.plain)(texts)
        if header is not None:
            self.columns, self.column_names, self.in_yuan = header
        return None if row is None else (row, self.columns, self.column_names, self.in_yuan)

    cdef int add(self, list labels, key, list values) except -1:
        if key is not None:
            _t2_add(self.result, <tuple>key, values, self.n)
        return 0


cdef _t2_add(result, tuple key, list values, _Names n):
    """One row of tables._plain_t2_rows: ``key`` its row, the header's columns, their
    names in keys and whether amounts are in 元."""
    row, under, names_under, under_yuan = key
    placed = _fit(values, len(under)) if under else None
    if placed is None:
        return n.t2_left_out(result, row, values, under)
    result.t2_columns.update(under)
    texts = [(<tuple>token)[1] for token in <list>placed]
    if under_yuan:
        n.in_yuan(texts, under)
    keys = n.keys(f"t2.{row}", names_under)
    _add_row(result, keys, texts, [(<tuple>token)[2] for token in <list>placed])


def t3_rows(result, list stream, tuple columns, t3_row, Py_ssize_t labels_kept):
    """tables._read_t3's loop over the rows of ``stream`` (tables._plain_t3_rows): the
    rows as tables._rows finds them, each row's labels classified by ``t3_row``
    (tables._t3_row, its group carried from row to row; its cache asked directly for
    texts of at most ``labels_kept`` characters, as its wrapper does), then placed and
    added to ``result`` as the plain loop does, one row after the other."""
    cdef _T3 table = _T3(result, columns, t3_row, labels_kept)
    read_rows(table, stream)
    # The flags the plain loop sets row by row (nothing reads them before the end).
    if table.read:
        result.t3_found = True
    if table.read == 2:
        result.t3_other_split = True


cdef class _T3(_Table):
    cdef object result, cached, plain, group
    cdef tuple columns
    cdef dict row_keys  # the rows' keys in this table's columns
    cdef Py_ssize_t labels_kept
    cdef int read  # the most any row said (_t3_add): 1 a row read, 2 one of other's
    cdef _Names n

    def __init__(self, result, tuple columns, t3_row, Py_ssize_t labels_kept):
        self.result, self.columns, self.labels_kept, self.n = result, columns, labels_kept, names()
        self.cached, self.plain = t3_row.cached, t3_row.plain
        self.group, self.row_keys, self.read = None, {}, 0

    cdef object classify(self, list labels):
        cdef Py_ssize_t size
        texts = label_texts(labels, &size)
        self.group, key = (self.cached if size <= self.labels_kept else self.plain)(
            texts, self.group
        )
        return key

    cdef int add(self, list labels, key, list values) except -1:
        read = _t3_add(self.result, labels, key, values, self.columns, self.row_keys, self.n)
        self.read = max(self.read, read)
        return 0


cdef int _t3_add(
    result, list labels, key, list values, tuple columns, dict row_keys, _Names n
) except -1:
    """One row of tables._plain_t3_rows, less the flags of result it sets: 0 for a row
    not recognised, 1 for one of its keys, 2 for one of its keys that are other's."""
    if key is None:
        n.t3_unrecognised(result, labels)
        return 0
    placed = _fit(values, len(columns))
    if placed is None:
        n.t3_left_out(result, key, values, columns)
    else:
        keys = row_keys.get(key)
        if keys is None:
            keys = row_keys[key] = n.keys(f"t3.{key}", columns)
        texts = [(<tuple>token)[1] for token in <list>placed]
        _add_row(result, keys, texts, [(<tuple>token)[2] for token in <list>placed])
    return 2 if key.startswith("other.") else 1

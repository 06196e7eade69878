# cython: language_level=3, boundscheck=False, wraparound=False
"""The article walk of parsers/html.py (_collect) and the rows of its data tables
(parsers/table_rows.py), compiled: one walk over the libxml2 nodes under an lxml element.

The fast path of those plain Python definitions, which stay beside it and which tests
compare it with on every real page and on made ones (tests/test_compiled_lines.py). It
reads what they read, in the same order, without an lxml proxy object and a decode per
node: lines and cells are gathered as UTF-8 and decoded once each. Tidying stays in
Python (normalize.tidy and table_rows' cache of cell texts): this returns the raw
material, lines before tidy and cells stripped as the definitions strip them.

The lxml semantics kept exactly (lxml's _collectText, _isElement, iterwalk):
- .text is the run of text and CDATA nodes from the first child, .tail the run after an
  element (XInclude markers skipped); adjacent runs left where a comment was stripped
  are joined by .text/.tail and apart in XPath's descendant::text();
- len(element) counts elements, comments, processing instructions and entity
  references; iterwalk visits elements only (comments' and PIs' tails are not read);
- every tag test takes elements in no namespace only: "{ns}p" is no block, and lxml's
  iter("tr"), iterchildren("td", "th") and XPath's name tests pass over "{ns}tr" too
  (the HTML parser makes no namespaces; lxml's API can);
- a cell's length is in characters (code points), as str's len and XPath's
  string-length() count them.
Iterative throughout: pages nest deeper than any C stack.
"""

from cpython.mem cimport PyMem_Free, PyMem_Realloc
from cpython.unicode cimport PyUnicode_1BYTE_DATA, PyUnicode_DecodeUTF8, PyUnicode_GET_LENGTH
from libc.string cimport memcpy, strcmp, strlen

cimport lxml.includes.etreepublic as cetree
from lxml.includes cimport tree

from parsers._nodes cimport element_like, is_space, is_text, named, next_in_subtree

cetree.import_lxml__etree()


cdef extern from "Python.h":
    bint PyUnicode_IS_ASCII(object text)


# ------------------------------------------------------------------ UTF-8 buffers


cdef struct Buffer:
    char* data
    Py_ssize_t size
    Py_ssize_t capacity


cdef int _grow(Buffer* buffer, Py_ssize_t needed) except -1:
    cdef Py_ssize_t capacity = buffer.capacity * 2
    cdef char* grown
    if capacity < needed:
        capacity = needed
    if capacity < 256:
        capacity = 256
    grown = <char*> PyMem_Realloc(buffer.data, capacity)
    if grown is NULL:
        raise MemoryError()
    buffer.data = grown
    buffer.capacity = capacity
    return 0


cdef inline int _add(Buffer* buffer, const char* text, Py_ssize_t length) except -1:
    if buffer.size + length > buffer.capacity:
        _grow(buffer, buffer.size + length)
    memcpy(buffer.data + buffer.size, text, length)
    buffer.size += length
    return 0


cdef inline unsigned int _code_at(const unsigned char* text, Py_ssize_t* width) noexcept:
    cdef unsigned char byte = text[0]
    if byte < 0x80:
        width[0] = 1
        return byte
    if byte < 0xE0:
        width[0] = 2
        return ((byte & 0x1F) << 6) | (text[1] & 0x3F)
    if byte < 0xF0:
        width[0] = 3
        return ((byte & 0x0F) << 12) | ((text[1] & 0x3F) << 6) | (text[2] & 0x3F)
    width[0] = 4
    return (((byte & 0x07) << 18) | ((text[1] & 0x3F) << 12)
            | ((text[2] & 0x3F) << 6) | (text[3] & 0x3F))


cdef inline Py_ssize_t _characters(const char* text, Py_ssize_t length) noexcept:
    """Code points of UTF-8 ``text``: its bytes other than continuation bytes."""
    cdef Py_ssize_t count = 0
    cdef Py_ssize_t index
    for index in range(length):
        if (<unsigned char> text[index] & 0xC0) != 0x80:
            count += 1
    return count


cdef void _strip(const char* text, Py_ssize_t* start, Py_ssize_t* end) noexcept:
    """Narrow [start, end) of UTF-8 ``text`` as str.strip() would (Unicode whitespace)."""
    cdef Py_ssize_t width
    cdef Py_ssize_t last
    while start[0] < end[0]:
        if not is_space(_code_at(<const unsigned char*> text + start[0], &width)):
            break
        start[0] += width
    while end[0] > start[0]:
        last = end[0] - 1
        while last > start[0] and (<unsigned char> text[last] & 0xC0) == 0x80:
            last -= 1
        if not is_space(_code_at(<const unsigned char*> text + last, &width)):
            break
        end[0] = last


cdef int _tidy(Buffer* line, Buffer* out) except -1:
    """normalize.tidy of UTF-8 ``line``, into ``out``: U+200B dropped, each run of
    whitespace (str.split()'s) one space, none at either end. Never longer than ``line``.
    Runs of other characters are copied whole; ASCII bytes are told without decoding."""
    cdef const unsigned char* data = <const unsigned char*> line.data
    cdef Py_ssize_t index = 0
    cdef Py_ssize_t run = -1  # where the run of characters being kept starts
    cdef Py_ssize_t width
    cdef unsigned int code
    cdef bint space = False
    cdef bint kept
    out.size = 0
    if out.capacity < line.size:
        _grow(out, line.size)
    while index < line.size:
        code = data[index]
        if code < 0x80:
            width = 1
            kept = not (code == 32 or 9 <= code <= 13 or 28 <= code <= 31)
        else:
            code = _code_at(data + index, &width)
            kept = not is_space(code) and code != 0x200B
        if kept:
            if run < 0:
                if space and out.size:
                    out.data[out.size] = 32
                    out.size += 1
                space = False
                run = index
        else:
            if run >= 0:
                memcpy(out.data + out.size, line.data + run, index - run)
                out.size += index - run
                run = -1
            if code != 0x200B:
                space = True
        index += width
    if run >= 0:
        memcpy(out.data + out.size, line.data + run, index - run)
        out.size += index - run
    return 0


cdef int _words(const char* text, Py_ssize_t length) noexcept:
    """How many words str.split() finds in UTF-8 ``text``, counted up to 2."""
    cdef Py_ssize_t index = 0
    cdef Py_ssize_t width
    cdef int words = 0
    cdef bint in_word = False
    while index < length:
        if is_space(_code_at(<const unsigned char*> text + index, &width)):
            in_word = False
        elif not in_word:
            in_word = True
            words += 1
            if words > 1:
                return words
        index += width
    return words


cdef inline object _decode(Buffer* buffer, Py_ssize_t start, Py_ssize_t end):
    return PyUnicode_DecodeUTF8(<char*> buffer.data + start, end - start, NULL)


# ------------------------------------------------------------------ lxml's node model


cdef int _add_run(tree.xmlNode* node, Buffer* buffer) except -1:
    """Append the text of the run of text nodes from ``node`` (lxml's _collectText):
    ``element.text`` from its first child, ``element.tail`` from its next sibling."""
    while node is not NULL:
        if is_text(node):
            if node.content is not NULL:
                _add(buffer, <const char*> node.content, strlen(<const char*> node.content))
        elif node.type != tree.XML_XINCLUDE_START and node.type != tree.XML_XINCLUDE_END:
            break
        node = node.next
    return 0


cdef Py_ssize_t _children(tree.xmlNode* node, tree.xmlNode** only) noexcept:
    """len(element); ``only`` is set to its first element-like child."""
    cdef Py_ssize_t count = 0
    cdef tree.xmlNode* child = node.children
    only[0] = NULL
    while child is not NULL:
        if element_like(child):
            if count == 0:
                only[0] = child
            count += 1
        child = child.next
    return count


cdef inline bint _cell(tree.xmlNode* node) noexcept:
    return named(node, "td") or named(node, "th")


cdef inline tree.xmlNode* _next_element(tree.xmlNode* node) noexcept:
    while node is not NULL and node.type != tree.XML_ELEMENT_NODE:
        node = node.next
    return node


# ------------------------------------------------------------------ table rows


cdef struct OpenCell:
    tree.xmlNode* node
    Py_ssize_t start  # characters of the table's text before the cell
    bint in_row  # read as a row's cell (a td or th child of a tr)


cdef bint _is_layout(tree.xmlNode* table, Py_ssize_t long_cell) except -1:
    """table_rows.data_table_rows's None: a table holding another table, a row's cell
    longer than ``long_cell``, or, where some cell stands outside any row, any cell that
    long. One walk; each cell's length is the table's characters read by its end less
    those read by its start (cells nest inside cells: linear all the same)."""
    cdef OpenCell* stack = NULL
    cdef Py_ssize_t depth = 0
    cdef Py_ssize_t capacity = 0
    cdef OpenCell* grown
    cdef Py_ssize_t read = 0
    cdef Py_ssize_t cells = 0
    cdef Py_ssize_t row_cells = 0
    cdef bint long_row_cell = False
    cdef bint long_cell_found = False
    cdef tree.xmlNode* node = table.children
    cdef OpenCell* closing
    try:
        while node is not NULL:
            if node.type == tree.XML_ELEMENT_NODE:
                if named(node, "table"):
                    return True
                if _cell(node):
                    if depth == capacity:
                        capacity = capacity * 2 if capacity else 16
                        grown = <OpenCell*> PyMem_Realloc(stack, capacity * sizeof(OpenCell))
                        if grown is NULL:
                            raise MemoryError()
                        stack = grown
                    stack[depth].node = node
                    stack[depth].start = read
                    stack[depth].in_row = node.parent is not NULL and named(node.parent, "tr")
                    row_cells += stack[depth].in_row
                    cells += 1
                    depth += 1
                if node.children is not NULL:
                    node = node.children
                    continue
            elif is_text(node) and node.content is not NULL:
                read += _characters(<const char*> node.content, strlen(<const char*> node.content))
            # Leave the node, and every ancestor whose last child it is.
            while True:
                if depth and stack[depth - 1].node is node:
                    depth -= 1
                    closing = &stack[depth]
                    if read - closing.start > long_cell:
                        long_row_cell |= closing.in_row
                        long_cell_found = True
                if node.next is not NULL:
                    node = node.next
                    break
                node = node.parent
                if node is table:
                    node = NULL
                    break
    finally:
        PyMem_Free(stack)
    return long_row_cell or (row_cells != cells and long_cell_found)


cdef object _stripped_piece(Buffer* piece, Buffer* out, bint single_words):
    """Append ``piece`` stripped to ``out``; False (appending nothing) when
    ``single_words`` and the piece holds two words."""
    cdef Py_ssize_t start = 0
    cdef Py_ssize_t end = piece.size
    if single_words and _words(piece.data, piece.size) > 1:
        return False
    _strip(piece.data, &start, &end)
    _add(out, piece.data + start, end - start)
    return True


cdef bint _is_space(Buffer* piece) noexcept:
    """The piece is empty or whitespace only (None, "", or str.isspace())."""
    cdef Py_ssize_t start = 0
    cdef Py_ssize_t end = piece.size
    _strip(piece.data, &start, &end)
    return start == end


cdef bint _chain_text(tree.xmlNode* cell, Buffer* piece, Buffer* out) except -1:
    """table_rows._chain_pieces, stripped and joined into ``out``: False for no chain (each
    element holding one element-like child, an element, down to one of none) or for a
    piece of two words."""
    cdef tree.xmlNode* node = cell
    cdef tree.xmlNode* child
    cdef tree.xmlNode* leaf
    cdef Py_ssize_t count = _children(node, &child)
    while count:
        if count > 1 or child.type != tree.XML_ELEMENT_NODE:
            return False
        node = child
        count = _children(node, &child)
    leaf = node
    # Heads from the cell down to the leaf, then tails from the leaf up.
    node = cell
    while True:
        piece.size = 0
        _add_run(node.children, piece)
        if not _stripped_piece(piece, out, True):
            return False
        if node is leaf:
            break
        _children(node, &node)
    while node is not cell:
        piece.size = 0
        _add_run(node.next, piece)
        if not _stripped_piece(piece, out, True):
            return False
        node = node.parent
    return True


cdef object _cell_text(tree.xmlNode* cell, Buffer* piece, Buffer* other, Buffer* out):
    """The text of a row's cell as data_table_rows reads it, before tidy: its pieces
    stripped and joined (a cell of text only, or of one element of text only between
    whitespace: that text stripped)."""
    cdef tree.xmlNode* child
    cdef tree.xmlNode* node
    cdef Py_ssize_t count = _children(cell, &child)
    cdef Py_ssize_t start = 0
    cdef Py_ssize_t end
    out.size = 0
    if count == 0:  # cell.text
        _add_run(cell.children, out)
        end = out.size
        _strip(out.data, &start, &end)
        return _decode(out, start, end)
    if count == 1 and child.type == tree.XML_ELEMENT_NODE and _children(child, &node) == 0:
        piece.size = 0
        other.size = 0
        _add_run(cell.children, piece)  # cell.text
        _add_run(child.next, other)  # child.tail
        if _is_space(piece) and _is_space(other):  # _wrapped_text
            _add_run(child.children, out)
            end = out.size
            _strip(out.data, &start, &end)
            return _decode(out, start, end)
        _stripped_piece(piece, out, False)  # _pieces: cell.text, child.text, child.tail
        piece.size = 0
        _add_run(child.children, piece)
        _stripped_piece(piece, out, False)
        _stripped_piece(other, out, False)
        return _decode(out, 0, out.size)
    if count == 1 and _chain_text(cell, piece, out):
        return _decode(out, 0, out.size)
    out.size = 0  # descendant::text(), each node stripped
    node = next_in_subtree(cell, cell)
    while node is not NULL:
        if is_text(node) and node.content is not NULL:
            start = 0
            end = strlen(<const char*> node.content)
            _strip(<const char*> node.content, &start, &end)
            _add(out, <const char*> node.content + start, end - start)
        node = next_in_subtree(node, cell)
    return _decode(out, 0, out.size)


cdef bint _printable_word(object text) noexcept:
    """``text`` (a str) is printable ASCII with no space (numbers, "/", "-"), or empty:
    table_rows.cell_text (tidy of it stripped) gives it back as it is, so it is not asked
    (most cells of a report table; tests/test_compiled_lines.py checks every such byte)."""
    cdef const unsigned char* data
    cdef Py_ssize_t index
    if not PyUnicode_IS_ASCII(text):
        return False
    data = PyUnicode_1BYTE_DATA(text)
    for index in range(PyUnicode_GET_LENGTH(text)):
        if data[index] < 0x21 or data[index] > 0x7E:
            return False
    return True


cdef object _rows(tree.xmlNode* table, object cell_text, Buffer* piece, Buffer* other,
                  Buffer* out):
    """The rows of cell texts (each through ``cell_text``, but where _printable_word says
    it needs none) of a data table: its tr elements in document order, each with its td
    and th children; empty rows left out."""
    cdef list rows = []
    cdef list row
    cdef object text
    cdef tree.xmlNode* cell
    cdef tree.xmlNode* node = next_in_subtree(table, table)
    while node is not NULL:
        if named(node, "tr"):
            row = []
            cell = node.children
            while cell is not NULL:
                if _cell(cell):
                    text = _cell_text(cell, piece, other, out)
                    row.append(text if _printable_word(text) else cell_text(text))
                cell = cell.next
            if row:
                rows.append(row)
        node = next_in_subtree(node, table)
    return rows


cdef object _table(tree.xmlNode* table, object cell_text, Py_ssize_t long_cell,
                   Buffer* piece, Buffer* other, Buffer* out):
    if _is_layout(table, long_cell):
        return None
    return _rows(table, cell_text, piece, other, out)


def data_table_rows(cetree._Element table, cell_text, Py_ssize_t long_cell):
    """table_rows.data_table_rows of ``table``, each cell's stripped text through
    ``cell_text`` (its tidy)."""
    cdef Buffer piece = Buffer(NULL, 0, 0)
    cdef Buffer other = Buffer(NULL, 0, 0)
    cdef Buffer out = Buffer(NULL, 0, 0)
    try:
        return _table(table._c_node, cell_text, long_cell, &piece, &other, &out)
    finally:
        PyMem_Free(piece.data)
        PyMem_Free(other.data)
        PyMem_Free(out.data)


# ------------------------------------------------------------------ the article walk


# The tags that end a line (html._BREAKS, handed to collect), as C strings, found by their
# first byte; rebuilt only when collect is handed another set.
cdef const char* _names[256]
cdef Py_ssize_t _name_count = 0
cdef bint _first_bytes[256]
cdef object _names_of = None
cdef list _names_kept = []  # the bytes the C strings point into


cdef int _use_names(object breaks) except -1:
    global _names_of, _name_count, _names_kept
    cdef bytes name
    cdef Py_ssize_t index
    if breaks is _names_of:
        return 0
    encoded = sorted(name.encode() for name in breaks)
    if len(encoded) > 256 or b"" in encoded:
        raise ValueError("at most 256 tag names, none empty")
    for index in range(256):
        _first_bytes[index] = False
    for index, name in enumerate(encoded):
        _names[index] = name
        _first_bytes[<unsigned char> name[0]] = True
    _names_kept = encoded
    _name_count = len(encoded)
    _names_of = breaks
    return 0


cdef bint _in(tree.xmlNode* node) noexcept:
    """The element's tag is one of the names in use: an element in no namespace."""
    cdef const char* tag
    cdef Py_ssize_t index
    if node.type != tree.XML_ELEMENT_NODE or node.ns is not NULL:
        return False
    tag = <const char*> node.name
    if not _first_bytes[<unsigned char> tag[0]]:
        return False
    for index in range(_name_count):
        if _names[index][0] == tag[0] and strcmp(_names[index], tag) == 0:
            return True
    return False


cdef int _emit(Buffer* line, Buffer* out, list blocks, line_text, paragraph) except -1:
    # A line that ends: its text tidied, a paragraph when any is left; the line emptied.
    cdef object text
    if line_text is None:
        _tidy(line, out)
        text = _decode(out, 0, out.size) if out.size else None
        out.size = 0
    else:
        text = line_text(_decode(line, 0, line.size))
    line.size = 0
    if text:
        blocks.append(paragraph(text))
    return 0


def collect(cetree._Element element, list blocks, breaks, line_text, paragraph, cell_text,
            table, Py_ssize_t long_cell):
    """html._collect: append to ``blocks`` each line that ends, as ``paragraph(text)``
    where ``text = line_text(line)`` is not empty, and each data table with rows, as
    ``table(rows=rows)`` (cells through ``cell_text``), in document order. ``breaks``:
    the tags that end a line. A line left open when ``element`` ends is not emitted.
    ``line_text`` None: normalize.tidy done here on the line's UTF-8 (_tidy), no call
    back into Python for each line."""
    cdef object text
    cdef Buffer line = Buffer(NULL, 0, 0)
    cdef Buffer piece = Buffer(NULL, 0, 0)
    cdef Buffer other = Buffer(NULL, 0, 0)
    cdef Buffer out = Buffer(NULL, 0, 0)
    cdef tree.xmlNode* top = element._c_node
    cdef tree.xmlNode* node = top
    cdef tree.xmlNode* child
    cdef bint breaking
    cdef object rows
    _use_names(breaks)
    try:
        while True:
            # The start of an element (iterwalk's "start").
            breaking = _in(node)
            rows = None
            if breaking:
                if line.size:
                    _emit(&line, &out, blocks, line_text, paragraph)
                if named(node, "table"):
                    rows = _table(node, cell_text, long_cell, &piece, &other, &out)
                    if rows:
                        blocks.append(table(rows=rows))
            child = NULL
            if rows is None:  # a data table's subtree is skipped
                _add_run(node.children, &line)
                child = _next_element(node.children)
            if child is not NULL:
                node = child
                continue
            # Its end (iterwalk's "end"), and the ends of the ancestors it closes.
            while True:
                if line.size and _in(node):
                    _emit(&line, &out, blocks, line_text, paragraph)
                if node is top:
                    return
                _add_run(node.next, &line)
                child = _next_element(node.next)
                if child is not NULL:
                    node = child
                    break
                node = node.parent
    finally:
        PyMem_Free(line.data)
        PyMem_Free(piece.data)
        PyMem_Free(other.data)
        PyMem_Free(out.data)

# cython: language_level=3, boundscheck=False, wraparound=False
"""Compiled walks over the libxml2 tree under an lxml element (issue 12: speed).

Each function here is the fast path of a plain Python definition in parsers/ that
stays beside it, which tests compare it with on every real page and on made ones
(tests/test_compiled_walks.py). Nothing here decides anything the Python does not:
it reads the same nodes in the same order, without an lxml proxy object and a
decode per node. parsers.compiled says whether this module is built and current.
"""


cimport lxml.includes.etreepublic as cetree
from lxml.includes cimport tree

from parsers._nodes cimport element_like, is_space, is_text, named, next_in_subtree

cetree.import_lxml__etree()


cdef inline Py_ssize_t _char_size(const unsigned char* text) noexcept:
    """The bytes of the UTF-8 character at ``text``, by its lead byte; fewer where the
    text ends inside it (libxml2 keeps its text well formed: a guard, not a reading)."""
    cdef unsigned char byte = text[0]
    cdef Py_ssize_t size = 1 if byte < 0x80 else 2 if byte < 0xE0 else 3 if byte < 0xF0 else 4
    cdef Py_ssize_t index
    for index in range(1, size):
        if text[index] == 0:
            return index
    return size


cdef inline unsigned int _code(const unsigned char* text, Py_ssize_t size) noexcept:
    # The code point of the character of ``size`` bytes at ``text``.
    if size == 1:
        return text[0]
    if size == 2:
        return ((text[0] & 0x1F) << 6) | (text[1] & 0x3F)
    if size == 3:
        return ((text[0] & 0x0F) << 12) | ((text[1] & 0x3F) << 6) | (text[2] & 0x3F)
    return (((text[0] & 0x07) << 18) | ((text[1] & 0x3F) << 12) | ((text[2] & 0x3F) << 6)
            | (text[3] & 0x3F))


cdef Py_ssize_t _non_space(const unsigned char* text) noexcept:
    """Characters of UTF-8 ``text`` other than whitespace as str.split() sees it."""
    cdef Py_ssize_t count = 0, size
    while text[0]:
        size = _char_size(text)
        if not is_space(_code(text, size)):
            count += 1
        text += size
    return count


def text_length(cetree._Element element) -> int:
    """parsers.density._text_length: the characters of the element's string() other
    than whitespace. string() is every text node of the subtree (CDATA too)."""
    cdef tree.xmlNode* top = element._c_node
    cdef tree.xmlNode* node = top
    cdef Py_ssize_t count = 0
    while node is not NULL:
        if (node.type == tree.XML_TEXT_NODE or node.type == tree.XML_CDATA_SECTION_NODE) \
                and node.content is not NULL:
            count += _non_space(<const unsigned char*> node.content)
        node = next_in_subtree(node, top)
    return count


# --- shared pieces --------------------------------------------------------------------

from cpython.unicode cimport PyUnicode_DecodeUTF8
from libc.stdlib cimport free, malloc, realloc
from libc.string cimport memcpy, memset, strcmp, strlen, strstr


cdef str _decoded(const char* text):
    return PyUnicode_DecodeUTF8(text, strlen(text), NULL)


cdef str _texts_joined(tree.xmlNode* first, tree.xmlNode* top, bint whole):
    """The content of text nodes, joined and decoded: with ``whole``, of every one in the
    subtree of ``top`` from ``first`` on (libxml2's node content); else of the run of
    text nodes from ``first`` along its siblings."""
    cdef tree.xmlNode* node = first
    cdef Py_ssize_t size = 0, at = 0, length
    cdef char* joined
    if not whole and is_text(first) and (first.next is NULL or not is_text(first.next)):
        # One text node (most attributes, most links' text): decoded where it is.
        return _decoded(<const char*> first.content) if first.content is not NULL else ""
    while node is not NULL and (whole or is_text(node)):
        if is_text(node) and node.content is not NULL:
            size += strlen(<const char*> node.content)
        node = next_in_subtree(node, top) if whole else node.next
    if size == 0:
        return ""
    joined = <char*> malloc(size)
    if joined is NULL:
        raise MemoryError()
    try:
        node = first
        while node is not NULL and (whole or is_text(node)):
            if is_text(node) and node.content is not NULL:
                length = strlen(<const char*> node.content)
                memcpy(joined + at, node.content, length)
                at += length
            node = next_in_subtree(node, top) if whole else node.next
        return PyUnicode_DecodeUTF8(joined, size, NULL)
    finally:
        free(joined)


cdef object _attribute(tree.xmlNode* node, const char* name):
    """lxml's element.get(name) (libxml2's xmlGetNsProp without a namespace): the text of
    the attribute of that name in no namespace, or None."""
    cdef tree.xmlAttr* attribute = node.properties
    while attribute is not NULL:
        if attribute.ns is NULL and strcmp(<const char*> attribute.name, name) == 0:
            if attribute.children is NULL:
                return ""
            return _texts_joined(attribute.children, NULL, False)
        attribute = attribute.next
    return None


cdef str _string_value(tree.xmlNode* node):
    """string() of the element: what parsers.density.string_of serialises (libxml2's
    node content: every text node of the subtree)."""
    return _texts_joined(node, node, True)


cdef object _text_of(tree.xmlNode* node):
    """lxml's element.text: the text nodes before its first child of another kind, joined;
    None when there is none."""
    if node.children is NULL or not is_text(node.children):
        return None
    return _texts_joined(node.children, NULL, False)


cdef inline bint _has_lxml_children(tree.xmlNode* node) noexcept:
    # len(element) > 0
    cdef tree.xmlNode* child = node.children
    while child is not NULL:
        if element_like(child):
            return True
        child = child.next
    return False


cdef inline object _proxy(cetree._Element context, tree.xmlNode* node):
    return cetree.elementFactory(context._doc, node)


cdef enum:
    _MOST_NAMES = 32
    _SLOTS = 64


cdef struct _Names:
    # The names looked for, and the answer for the name pointers seen lately: libxml2
    # keeps one copy of each name in the document's dictionary, so a page's thousands of
    # <td> share a pointer, and one strcmp per name answers for all of them.
    const char* names[_MOST_NAMES]
    Py_ssize_t count
    const tree.xmlChar* seen[_SLOTS]
    int index[_SLOTS]


cdef int _names_of(_Names* names, tuple tags) except -1:
    """``tags``: bytes, which the tuple keeps alive while the names point into them."""
    cdef Py_ssize_t index
    if len(tags) > _MOST_NAMES:
        raise ValueError(f"at most {_MOST_NAMES} names")
    memset(names, 0, sizeof(_Names))
    names.count = len(tags)
    for index in range(names.count):
        names.names[index] = <bytes> tags[index]
    return 0


cdef inline int _name_index(_Names* names, tree.xmlNode* node) noexcept:
    """Where the element's name is among the names (-1: nowhere, or no element in no
    namespace). A pointer seen before is answered from its slot: within one call the
    tree does not change, so a pointer stands for one name."""
    cdef Py_ssize_t slot, index
    cdef int found = -1
    if node.type != tree.XML_ELEMENT_NODE or node.ns is not NULL:
        return -1
    slot = (<size_t> node.name >> 4) % _SLOTS
    if names.seen[slot] == node.name:
        return names.index[slot]
    for index in range(names.count):
        # The first bytes compared in place: each page's first element of each name
        # is compared with up to 32 names, and a call of strcmp for each cost ~1% of a
        # page's instructions.
        if (<const char*> node.name)[0] == names.names[index][0] and strcmp(
                <const char*> node.name, names.names[index]) == 0:
            found = <int> index
            break
    names.seen[slot] = node.name
    names.index[slot] = found
    return found


include "_walk_page.pxi"
include "_walk_fused.pxi"


# --- the page's text (parsers.html._page_wide_metadata) -------------------------------


def squashed_text(cetree._Element element, Py_ssize_t limit):
    """"".join(string_of(element)[:limit].split()): the first ``limit`` characters of the
    element's text, without whitespace, read in place (runs between spaces copied)."""
    cdef tree.xmlNode* top = element._c_node
    cdef tree.xmlNode* node = top
    cdef const unsigned char* text
    cdef const unsigned char* run
    cdef Py_ssize_t seen = 0, size = 0, room = 0, length
    cdef char* kept = NULL
    cdef char* grown
    try:
        while node is not NULL and seen < limit:
            if is_text(node) and node.content is not NULL:
                text = run = <const unsigned char*> node.content
                length = strlen(<const char*> text)
                if size + length > room:  # room for all of it: a run is copied at once
                    room = max(4096, 2 * room, size + length)
                    grown = <char*> realloc(kept, room)
                    if grown is NULL:
                        raise MemoryError()
                    kept = grown
                while text[0] and seen < limit:
                    seen += 1
                    length = _char_size(text)
                    # Past U+3FFF (lead bytes from 0xE4: the ideographs) no character is
                    # whitespace.
                    if text[0] < 0xE4 and is_space(_code(text, length)):
                        memcpy(kept + size, run, text - run)
                        size += text - run
                        text += length
                        run = text
                    else:
                        text += length
                memcpy(kept + size, run, text - run)
                size += text - run
            node = next_in_subtree(node, top)
        return PyUnicode_DecodeUTF8(kept, size, NULL) if size else ""
    finally:
        free(kept)


# --- smaller walks of parsers.html and parsers.density --------------------------------


def holds(cetree._Element element, tuple tags, bint comments):
    """Whether etree.strip_elements(element, *tags) (with etree.Comment and
    etree.ProcessingInstruction when ``comments``) would find anything to strip: an
    element of one of ``tags`` (bytes) below ``element``, or a comment or processing
    instruction."""
    cdef tree.xmlNode* top = element._c_node
    cdef tree.xmlNode* node = next_in_subtree(top, top)
    cdef _Names names
    _names_of(&names, tags)
    while node is not NULL:
        if _name_index(&names, node) >= 0:
            return True
        if comments and (node.type == tree.XML_COMMENT_NODE or node.type == tree.XML_PI_NODE):
            return True
        node = next_in_subtree(node, top)
    return False


def cells_and_rows(cetree._Element element):
    """parsers.html._most_text's count: 0 when neither the element nor any below it is
    a td or th; else the td, th and tr below it."""
    cdef tree.xmlNode* top = element._c_node
    cdef tree.xmlNode* node = top
    cdef Py_ssize_t count = 0
    cdef bint cells = False
    cdef _Names names
    cdef int index
    _names_of(&names, (b"td", b"th", b"tr"))
    while node is not NULL:
        index = _name_index(&names, node)
        if index >= 0:
            cells |= index < 2
            count += node is not top
        node = next_in_subtree(node, top)
    return count if cells else 0


def picture_sources(cetree._Element element):
    """image.get("src") or image.get("data-src") or "" of every <img>, the element's
    own included, in document order."""
    cdef tree.xmlNode* top = element._c_node
    cdef tree.xmlNode* node = top
    cdef _Names names
    _names_of(&names, (b"img",))
    found = []
    while node is not NULL:
        if _name_index(&names, node) == 0:
            found.append(_attribute(node, "src") or _attribute(node, "data-src") or "")
        node = next_in_subtree(node, top)
    return found


def link_length(cetree._Element element):
    """parsers.density._link_length: the text length of every <a>, the element's own
    included (a link inside a link counts twice), in one walk."""
    cdef tree.xmlNode* top = element._c_node
    cdef tree.xmlNode* node = top
    cdef Py_ssize_t links_open = 0, total = 0
    while True:
        if node.type == tree.XML_ELEMENT_NODE:
            if named(node, "a"):
                links_open += 1
            if node.children is not NULL:
                node = node.children
                continue
        elif links_open and is_text(node) and node.content is not NULL:
            total += links_open * _non_space(<const unsigned char*> node.content)
        # Leave the elements this node ends, up to one with a next sibling.
        while True:
            if named(node, "a"):
                links_open -= 1
            if node is top:
                return total
            if node.next is not NULL:
                node = node.next
                break
            node = node.parent


# --- text counts (parsers.encoding) ---------------------------------------------------


# A str's characters read in place, by their width (PyUnicode_READ), where indexing
# it (text[index]) checks the bounds and the width again at each character.
cdef extern from "Python.h":
    object PyUnicode_FromKindAndData(int kind, const void* buffer, Py_ssize_t size)
    int PyUnicode_2BYTE_KIND
    int PyUnicode_4BYTE_KIND
    int PyUnicode_KIND(object text)
    const void* PyUnicode_DATA(object text)
    Py_UCS4 PyUnicode_READ(int kind, const void* data, Py_ssize_t index)


def ideograph_counts(str text, Py_ssize_t limit, const unsigned char[:] common):
    """parsers.encoding._reads_as_chinese's counts over text[:limit]: the CJK unified
    ideographs (U+4E00-U+9FFF) and, of them, those ``common`` marks (one byte per
    ideograph from U+4E00, non-zero for a common one)."""
    cdef Py_ssize_t index, end = min(len(text), limit), ideographs = 0, commons = 0
    cdef unsigned int code
    cdef int kind = PyUnicode_KIND(text)
    cdef const void* data = PyUnicode_DATA(text)
    for index in range(end):
        code = <unsigned int> PyUnicode_READ(kind, data, index)
        if 0x4E00 <= code <= 0x9FFF:
            ideographs += 1
            commons += common[code - 0x4E00] != 0
    return ideographs, commons


def squash_folded(str text, bytes nfkc_kept):
    """``text`` with each full-width ASCII form folded (as fold_full_width folds it) and
    every whitespace character (str.split's, the ideographic space among them) and
    U+200B left out, in one pass over the characters in place: normalize.squash's
    answer when NFKC leaves it as it is (parsers.normalize._compiled_squash says why).
    Answered with whether every character kept is marked in ``nfkc_kept`` (a byte per
    character from U+0000, non-zero where any text of such characters is its own NFKC:
    normalize.NFKC_KEPT), which says so without NFKC's quick check."""
    cdef Py_ssize_t index, size = len(text), kept = 0
    cdef int kind = PyUnicode_KIND(text)
    cdef const void* data = PyUnicode_DATA(text)
    cdef unsigned int code
    cdef const unsigned char* marks = nfkc_kept
    cdef Py_ssize_t marked = len(nfkc_kept)
    cdef bint all_marked = True
    cdef Py_UCS4* squashed = <Py_UCS4*> malloc(max(size, 1) * sizeof(Py_UCS4))
    if squashed is NULL:
        raise MemoryError()
    try:
        for index in range(size):
            code = <unsigned int> PyUnicode_READ(kind, data, index)
            if 0xFF01 <= code <= 0xFF5E:
                code -= 0xFEE0
            elif code == 0x200B or is_space(code):
                continue
            squashed[kept] = <Py_UCS4> code
            kept += 1
            if all_marked and (code >= marked or marks[code] == 0):
                all_marked = False
        return PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, squashed, kept), all_marked
    finally:
        free(squashed)


def fold_full_width(str text):
    """parsers.normalize._plain_fold_full_width: each full-width ASCII form (U+FF01-U+FF5E)
    as the ASCII character it stands for and the ideographic space (U+3000) as a space
    (their NFKC forms), in one pass over the characters in place, where the regex tests
    its character set at each character and calls NFKC for each run."""
    cdef Py_ssize_t index, size = len(text), first = -1
    cdef unsigned int code
    cdef Py_UCS4* folded
    cdef int kind = PyUnicode_KIND(text)
    cdef const void* data = PyUnicode_DATA(text)
    for index in range(size):
        code = <unsigned int> PyUnicode_READ(kind, data, index)
        if code == 0x3000 or 0xFF01 <= code <= 0xFF5E:
            first = index
            break
    if first < 0:
        return text
    folded = <Py_UCS4*> malloc(size * sizeof(Py_UCS4))
    if folded is NULL:
        raise MemoryError()
    try:
        for index in range(size):
            code = <unsigned int> PyUnicode_READ(kind, data, index)
            if code == 0x3000:
                code = 0x20
            elif 0xFF01 <= code <= 0xFF5E:
                code -= 0xFEE0
            folded[index] = <Py_UCS4> code
        return PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, folded, size)
    finally:
        free(folded)


def cjk_at(str text, Py_ssize_t start):
    """Where parsers.encoding._CJK_CHAR.search(text, start) matches (-1 for nowhere): the
    first character from ``start`` in U+2E80-U+9FFF, U+F900-U+FAFF or U+FF00-U+FFEF."""
    cdef Py_ssize_t index
    cdef unsigned int code
    cdef int kind = PyUnicode_KIND(text)
    cdef const void* data = PyUnicode_DATA(text)
    for index in range(max(start, 0), len(text)):
        code = <unsigned int> PyUnicode_READ(kind, data, index)
        if 0x2E80 <= code <= 0x9FFF or 0xF900 <= code <= 0xFAFF or 0xFF00 <= code <= 0xFFEF:
            return index
    return -1


def string_value(cetree._Element element):
    """parsers.density.string_of: string() of the element, its text nodes joined in
    place (no serialiser set up)."""
    return _string_value(element._c_node)


def byte_escape_counts(bytes body):
    """Of ``body`` decoded as UTF-8 with surrogateescape, read from the bytes without
    that text (parsers.encoding._plain_byte_escape_counts): its length, its escaped
    bytes, its U+FFFD characters, its ASCII ones, and whether a line of it holds a CJK
    character and no escaped byte.

    A byte is escaped when no valid sequence covers it: CPython's decoder escapes each
    byte of the longest start of a valid sequence it finds broken, and every byte of
    such a start past its first is a continuation byte, which starts no sequence; so
    trying each byte as a sequence's first, and escaping it alone when it is none,
    escapes the same bytes."""
    cdef const unsigned char* data = body
    cdef Py_ssize_t index = 0, size = len(body), length = 0, escaped = 0, replaced = 0
    cdef Py_ssize_t ascii = 0
    cdef unsigned char lead, second
    cdef unsigned int code, low
    cdef bint cjk = False, line_escaped = False, clean_line = False
    while index < size:
        lead = data[index]
        length += 1
        if lead < 0x80:
            ascii += 1
            index += 1
            if lead == 10:
                clean_line = clean_line or (cjk and not line_escaped)
                cjk, line_escaped = False, False
            continue
        second = data[index + 1] if index + 1 < size else 0
        if 0xC2 <= lead <= 0xDF and 0x80 <= second <= 0xBF:
            index += 2  # below U+0800: no CJK, no U+FFFD
            continue
        if 0xE0 <= lead <= 0xEF and index + 2 < size and 0x80 <= data[index + 2] <= 0xBF:
            low = 0xA0 if lead == 0xE0 else 0x80
            if low <= second <= (0x9F if lead == 0xED else 0xBF):
                code = ((lead & 0x0F) << 12) | ((second & 0x3F) << 6) | (data[index + 2] & 0x3F)
                if code == 0xFFFD:
                    replaced += 1
                elif 0x2E80 <= code <= 0x9FFF or 0xF900 <= code <= 0xFAFF or 0xFF00 <= code <= 0xFFEF:
                    cjk = True
                index += 3
                continue
        if (
            0xF0 <= lead <= 0xF4
            and index + 3 < size
            and (0x90 if lead == 0xF0 else 0x80) <= second <= (0x8F if lead == 0xF4 else 0xBF)
            and 0x80 <= data[index + 2] <= 0xBF
            and 0x80 <= data[index + 3] <= 0xBF
        ):
            index += 4  # past U+FFFF: no CJK
            continue
        escaped += 1
        line_escaped = True
        index += 1
    clean_line = clean_line or (cjk and not line_escaped)
    return length, escaped, replaced, ascii, clean_line


def gb18030_two_byte(bytes body, const unsigned short[:] pairs):
    """``body`` decoded as GB18030 when it holds ASCII and two-byte codes alone, else None
    (a four-byte code, a byte no code starts or ends with: the codec's to read).
    ``pairs``: the character of each two-byte code, (lead - 0x81) * 191 + trail - 0x40,
    as the codec decodes it (parsers.encoding builds it so), 0 where it decodes none.
    Its plain definition is the codec, which tests/test_gb18030_decode.py compares it
    with; the codec writes each character it decodes through a call: three to four
    times the time of this loop on a GBK page."""
    cdef const unsigned char* data = body
    cdef Py_ssize_t index = 0, size = len(body), length = 0
    cdef unsigned char lead, trail
    cdef unsigned short character
    cdef unsigned short* text = <unsigned short*> malloc(max(size, 1) * sizeof(unsigned short))
    if text == NULL:
        raise MemoryError()
    try:
        while index < size:
            lead = data[index]
            if lead < 0x80:
                text[length] = lead
                index += 1
            else:
                if lead == 0x80 or lead == 0xFF or index + 1 == size:
                    return None
                trail = data[index + 1]
                if trail < 0x40 or trail == 0xFF:
                    return None
                character = pairs[(lead - 0x81) * 191 + trail - 0x40]
                if character == 0:
                    return None
                text[length] = character
                index += 2
            length += 1
        return PyUnicode_FromKindAndData(PyUnicode_2BYTE_KIND, text, length)
    finally:
        free(text)


def clean_cjk_line(str text, Py_ssize_t start):
    """(start, end) of the first line (between "\\n"s) from ``start`` on, ``start``
    being a line's start, that holds a CJK character (cjk_at's) and no escaped byte
    (U+DC80-U+DCFF); None when there is none (parsers.encoding._plain_clean_cjk_line)."""
    cdef Py_ssize_t index, size = len(text), line = max(start, 0)
    cdef unsigned int code
    cdef bint cjk = False, escaped = False
    cdef int kind = PyUnicode_KIND(text)
    cdef const void* data = PyUnicode_DATA(text)
    for index in range(line, size + 1):
        code = <unsigned int> PyUnicode_READ(kind, data, index) if index < size else 10
        if code == 10:
            if cjk and not escaped:
                return line, index
            line, cjk, escaped = index + 1, False, False
            continue
        if code < 0x2E80:
            continue
        if code <= 0x9FFF or 0xF900 <= code <= 0xFAFF or 0xFF00 <= code <= 0xFFEF:
            cjk = True
        elif 0xDC80 <= code <= 0xDCFF:
            escaped = True
    return None


# --- words in a line (parsers.chrome) -------------------------------------------------


def literal_at(str text, Py_ssize_t start, bytes firsts, tuple groups):
    """The first index from ``start`` where one of the literals of ``groups`` begins in
    ``text``, -1 for none. ``firsts``: a byte for each character of the BMP, 0 for one
    no literal begins with, else the number (from 1) of the group of literals beginning
    with it (each a non-empty str of the BMP)."""
    cdef Py_ssize_t index, offset, length, size = len(text)
    cdef unsigned int code, group
    cdef const unsigned char* first_of = firsts
    cdef int kind = PyUnicode_KIND(text)
    cdef const void* data = PyUnicode_DATA(text)
    cdef int literal_kind
    cdef const void* literal_data
    cdef str literal
    if len(firsts) != 0x10000:
        raise ValueError("firsts: one byte for each character of the BMP")
    for index in range(max(start, 0), size):
        code = <unsigned int> PyUnicode_READ(kind, data, index)
        if code > 0xFFFF or first_of[code] == 0:
            continue
        group = first_of[code] - 1
        for literal in groups[group]:
            length = len(literal)
            if index + length > size:
                continue
            literal_kind = PyUnicode_KIND(literal)
            literal_data = PyUnicode_DATA(literal)
            for offset in range(1, length):
                if PyUnicode_READ(kind, data, index + offset) != PyUnicode_READ(
                    literal_kind, literal_data, offset
                ):
                    break
            else:
                return index
    return -1

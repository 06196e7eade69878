# cython: language_level=3, boundscheck=False, wraparound=False
"""A page's markup less the attributes nothing reads, before libxml2 builds its tree
(issue 12: speed; parsers.html._document_root asks for it).

Report pages exported from Word or Excel put style="…", align, nowrap, width … on every
cell: half the bytes of a report page, and each attribute is an allocation of libxml2's
tree, made, walked past and freed. No parser reads them (parsers.html.PRESENTATION says
which names), so they are left out of the bytes libxml2 reads: the tree is the same
less those attributes, and so is every result (tests/test_markup_presentation.py).

The scan reads tags as HTML's tokenizer does (libxml2 2.14's, the WHATWG one) only
where older ones read them alike: well-formed start and end tags, comments, doctypes.
At the first construct where they might differ (an unquoted value holding a quote, a
comment closed by "--!>", a script holding "<!--" and "<script" …) it stops and copies
the rest of the page as it is: an attribute left in costs time, a character taken
from the page's text would change a result.
"""

from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize, PyBytes_GET_SIZE
from cpython.mem cimport PyMem_Free, PyMem_Malloc
from libc.string cimport memchr, memcpy

cdef enum:
    NAME_MOST = 16  # bytes of the longest attribute name dropped, lower-cased
    TAG_DROPS = 32  # attributes dropped from one tag at most (the rest are kept)


cdef struct Output:
    unsigned char* data  # the page so far, its dropped attributes left out; NULL: none yet
    Py_ssize_t size  # the whole page's bytes: what data is made to hold
    Py_ssize_t written  # bytes in data
    Py_ssize_t copied  # where in the page the bytes not yet kept begin


cdef inline void _keep(Output* out, const unsigned char* page, Py_ssize_t start,
                       Py_ssize_t end) noexcept:
    memcpy(out.data + out.written, page + start, end - start)
    out.written += end - start


# Each byte's classes, looked up once per character of a tag.
cdef enum:
    SPACE = 1  # HTML's whitespace
    LETTER = 2  # ASCII letters
    NAME = 4  # what older libxml2 reads as part of a tag's or attribute's name
    REFUSED = 8  # in an unquoted value, read differently by the tokenizers: "'<=`
    END_TAG_REFUSED = 16  # in an end tag, a sign of more than a name: <"'=

cdef unsigned char CLASSES[256]


cdef void _classify() noexcept:
    cdef int c
    for c in range(256):
        CLASSES[c] = 0
    for c in b" \t\n\r\f":
        CLASSES[c] |= SPACE
    for c in range(ord("a"), ord("z") + 1):
        CLASSES[c] |= LETTER | NAME
        CLASSES[c - 32] |= LETTER | NAME
    for c in b"0123456789:_-.":
        CLASSES[c] |= NAME
    for c in b"\"'<=`":
        CLASSES[c] |= REFUSED
    for c in b"<\"'=":
        CLASSES[c] |= END_TAG_REFUSED


_classify()


cdef inline bint _space(unsigned char c) noexcept:
    return CLASSES[c] & SPACE


cdef inline bint _letter(unsigned char c) noexcept:
    return CLASSES[c] & LETTER


cdef inline bint _name_char(unsigned char c) noexcept:
    return CLASSES[c] & NAME


cdef inline unsigned char _lower(unsigned char c) noexcept:
    return c + 32 if b'A' <= c <= b'Z' else c


cdef Py_ssize_t _find(const unsigned char* data, Py_ssize_t start, Py_ssize_t end,
                      const char* what, Py_ssize_t size, bint fold) noexcept:
    """Where ``what`` first stands in data[start:end], -1 if not; with ``fold``, the bytes
    after its first (which is no letter: "<", "-") in either case (``what`` lower case)."""
    cdef const unsigned char* found
    cdef Py_ssize_t at = start, index
    while end - at >= size:
        found = <const unsigned char*> memchr(data + at, what[0], end - at)
        if found is NULL:
            return -1
        at = found - data
        if end - at < size:
            return -1
        for index in range(1, size):
            if (_lower(data[at + index]) if fold else data[at + index]) != <unsigned char> what[index]:
                break
        else:
            return at
        at += 1
    return -1


cdef class PresentationFilter:
    """Drops the attributes named at its making from a page's UTF-8 markup."""

    cdef unsigned char names[32][NAME_MOST]
    cdef unsigned int by_first[256]  # bit i: names[i] begins with this byte (either case)
    cdef unsigned int by_size[NAME_MOST + 1]  # bit i: names[i] is this long

    def __init__(self, names):
        names = [name.lower().encode("ascii") for name in names]
        if len(names) > 32 or any(not 0 < len(name) <= NAME_MOST for name in names):
            raise ValueError("at most 32 names of 1 to 16 ASCII characters")
        for index in range(256):
            self.by_first[index] = 0
        for index in range(NAME_MOST + 1):
            self.by_size[index] = 0
        for index, name in enumerate(names):
            self.by_size[len(name)] |= 1u << index
            memcpy(self.names[index], <const char*> name, len(name))
            self.by_first[name[0]] |= 1u << index
            self.by_first[name[:1].upper()[0]] |= 1u << index

    cdef bint _dropped(self, const unsigned char* name, Py_ssize_t size) noexcept:
        cdef Py_ssize_t index = 0, at
        cdef unsigned int candidates
        if size > NAME_MOST:
            return False
        # The names of this first byte and this length: most attributes (class, id, href)
        # have none, the rest one or two.
        candidates = self.by_first[name[0]] & self.by_size[size]
        while candidates:
            if candidates & 1:
                for at in range(1, size):
                    if _lower(name[at]) != self.names[index][at]:
                        break
                else:
                    return True
            candidates >>= 1
            index += 1
        return False

    def __call__(self, bytes data):
        """``data`` less the named attributes of its start tags; ``data`` itself when it
        holds none (or only past where the scan stops)."""
        cdef const unsigned char* page = <const unsigned char*> PyBytes_AS_STRING(data)
        cdef Py_ssize_t whole = PyBytes_GET_SIZE(data)
        cdef Py_ssize_t at = 0, tag, size = whole
        cdef const unsigned char* found
        cdef unsigned char c
        cdef Output out = Output(NULL, whole, 0, 0)
        # The scan ends at a NUL byte: libxml2 2.14 reads it as U+FFFD, older versions
        # as the end of a string.
        found = <const unsigned char*> memchr(page, 0, whole)
        if found is not NULL:
            size = found - page
        try:
            while at >= 0:
                found = <const unsigned char*> memchr(page + at, b'<', size - at)
                if found is NULL:
                    break
                tag = found - page
                if tag + 1 >= size:
                    break
                c = page[tag + 1]
                if c == b'!':
                    at = _declaration(page, tag, size)
                elif c == b'?':
                    at = _closed_by_gt(page, tag + 2, size, 0)
                elif c == b'/':
                    at = _end_tag(page, tag, size)
                elif _letter(c):
                    at = self._start_tag(page, tag, size, &out)
                elif c == b'_' or c == b':' or c == b'.':
                    at = -1  # text to the WHATWG tokenizer, a tag to older libxml2
                else:
                    at = tag + 1  # "<" opening no tag: text to every tokenizer
            if out.data is NULL:
                return data
            _keep(&out, page, out.copied, whole)
            return PyBytes_FromStringAndSize(<const char*> out.data, out.written)
        finally:
            PyMem_Free(out.data)

    cdef Py_ssize_t _start_tag(self, const unsigned char* page, Py_ssize_t tag,
                               Py_ssize_t size, Output* out) except -2:
        """Past the start tag at ``tag``, its dropped attributes left out of ``out``; -1
        where tokenizers may read it differently (or it does not end): then nothing of
        it is left out."""
        cdef Py_ssize_t at = tag + 1, name, name_end, value_start, end
        cdef Py_ssize_t dropped[TAG_DROPS][2]
        cdef Py_ssize_t drops = 0, index
        cdef const unsigned char* found
        cdef unsigned char quote
        while at < size and _name_char(page[at]):
            at += 1
        if at >= size or not (_space(page[at]) or page[at] == b'/' or page[at] == b'>'):
            return -1
        cdef Py_ssize_t tag_name = tag + 1, tag_name_size = at - tag - 1
        while True:
            # Here an attribute begins after whitespace, or the tag ends.
            while at < size and _space(page[at]):
                at += 1
            if at >= size:
                return -1
            if page[at] == b'>':
                end = at + 1
                break
            if page[at] == b'/':
                if at + 1 < size and page[at + 1] == b'>':
                    end = at + 2
                    break
                return -1
            if not (_letter(page[at]) or page[at] == b'_' or page[at] == b':'):
                return -1
            name = at
            while at < size and _name_char(page[at]):
                at += 1
            name_end = at
            if at < size and page[at] == b'=':
                at += 1
                if at < size and (page[at] == b'"' or page[at] == b"'"):
                    quote = page[at]
                    found = <const unsigned char*> memchr(page + at + 1, quote, size - at - 1)
                    if found is NULL:
                        return -1
                    at = found - page + 1
                else:
                    value_start = at
                    while at < size and not (_space(page[at]) or page[at] == b'>'):
                        if CLASSES[page[at]] & REFUSED:
                            return -1
                        at += 1
                    if at == value_start:
                        return -1
            # What follows an attribute: space, "/" or ">" (else tokenizers differ).
            if at >= size or not (_space(page[at]) or page[at] == b'/' or page[at] == b'>'):
                return -1
            if drops < TAG_DROPS and self._dropped(page + name, name_end - name):
                # The attribute and the whitespace after it: the whitespace before it
                # stays, so that an unquoted value before it does not run into a "/>".
                while at < size and _space(page[at]):
                    at += 1
                dropped[drops][0] = name
                dropped[drops][1] = at
                drops += 1
        if drops:
            if out.data is NULL:
                out.data = <unsigned char*> PyMem_Malloc(out.size)
                if out.data is NULL:
                    raise MemoryError()
            for index in range(drops):
                _keep(out, page, out.copied, dropped[index][0])
                out.copied = dropped[index][1]
        return _after_raw_text(page, end, size, page + tag_name, tag_name_size)


cdef Py_ssize_t _declaration(const unsigned char* page, Py_ssize_t tag,
                             Py_ssize_t size) noexcept:
    """Past "<!…>" (a comment, a doctype, Word's "<![if …]>"), -1 where tokenizers may
    end it in different places."""
    cdef Py_ssize_t end, quotes, singles, index
    if size - tag >= 4 and page[tag + 2] == b'-' and page[tag + 3] == b'-':
        # "<!-->" and "<!--->" are whole comments to the WHATWG tokenizer only.
        if tag + 4 < size and (page[tag + 4] == b'>' or (
                page[tag + 4] == b'-' and tag + 5 < size and page[tag + 5] == b'>')):
            return -1
        end = _find(page, tag + 4, size, "-->", 3, False)
        if end < 0 or _find(page, tag + 4, end, "--!>", 4, False) >= 0:
            return -1
        return end + 3
    if size - tag >= 9 and _named(page + tag + 2, "[cdata[", 7):
        return -1  # a CDATA section in foreign content ends at "]]>", elsewhere at ">"
    end = _closed_by_gt(page, tag + 2, size, 0)
    if end < 0:
        return -1
    quotes = singles = 0
    for index in range(tag + 2, end):
        quotes += page[index] == b'"'
        singles += page[index] == b"'"
    # A doctype's quoted identifier holding ">" ends it for one tokenizer only.
    if quotes % 2 or singles % 2:
        return -1
    return end


cdef Py_ssize_t _closed_by_gt(const unsigned char* page, Py_ssize_t start, Py_ssize_t size,
                              unsigned char refused) noexcept:
    """Past the first ">" from ``start``; -1 when there is none or a character of the
    ``refused`` classes (or "<", always) comes before it."""
    cdef const unsigned char* found = <const unsigned char*> memchr(page + start, b'>', size - start)
    cdef Py_ssize_t index, end
    if found is NULL:
        return -1
    end = found - page
    for index in range(start, end):
        if CLASSES[page[index]] & refused or page[index] == b'<':
            return -1
    return end + 1


cdef Py_ssize_t _end_tag(const unsigned char* page, Py_ssize_t tag, Py_ssize_t size) noexcept:
    """Past "</name …>", -1 for one that tokenizers may read differently."""
    if tag + 2 >= size or not _letter(page[tag + 2]):
        return -1
    return _closed_by_gt(page, tag + 2, size, END_TAG_REFUSED)


cdef inline bint _named(const unsigned char* name, const char* lower, Py_ssize_t size) noexcept:
    cdef Py_ssize_t index
    for index in range(size):
        if _lower(name[index]) != <unsigned char> lower[index]:
            return False
    return True


cdef Py_ssize_t _after_raw_text(const unsigned char* page, Py_ssize_t at, Py_ssize_t size,
                                const unsigned char* name, Py_ssize_t name_size) noexcept:
    """Where scanning goes on after a start tag ending at ``at``: past the text of a
    script, style, title … (up to its end tag, which the scan then reads), -1 where
    tokenizers may end that text in different places."""
    cdef Py_ssize_t end, index
    cdef bint script = name_size == 6 and _named(name, "script", 6)
    cdef bint style = name_size == 5 and _named(name, "style", 5)
    cdef bint other = (name_size == 5 and _named(name, "title", 5)) or (
        name_size == 8 and _named(name, "textarea", 8)) or (
        name_size == 3 and _named(name, "xmp", 3)) or (
        name_size == 6 and _named(name, "iframe", 6)) or (
        name_size == 7 and _named(name, "noembed", 7)) or (
        name_size == 8 and _named(name, "noframes", 8))
    cdef char closing[12]
    if name_size == 9 and _named(name, "plaintext", 9):
        return -1
    if not (script or style or other):
        return at
    closing[0] = b'<'
    closing[1] = b'/'
    for index in range(name_size):
        closing[2 + index] = _lower(name[index])
    end = _find(page, at, size, closing, name_size + 2, True)
    if end < 0 or end + name_size + 2 >= size:
        return -1
    if not (_space(page[end + name_size + 2]) or page[end + name_size + 2] in b"/>"):
        return -1
    if other and memchr(page + at, b'<', end - at) is not NULL:
        return -1  # older libxml2 reads tags in a title; the WHATWG tokenizer does not
    if script and _find(page, at, end, "<!--", 4, False) >= 0 and _find(page, at, end, "<script", 7, True) >= 0:
        return -1  # an escaped script may run past its first "</script"
    return end

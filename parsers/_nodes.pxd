# cython: language_level=3
"""lxml's node model read from libxml2's structs, and UTF-8 read by code point: the
facts both compiled walks (parsers/_walk.pyx, parsers/_lines.pyx) are built on, inline,
defined once. cimported, never imported: nothing here is a module of its own."""

from cpython.unicode cimport Py_UNICODE_ISSPACE
from libc.string cimport strcmp

from lxml.includes cimport tree


cdef inline tree.xmlNode* next_in_subtree(tree.xmlNode* node, tree.xmlNode* top) noexcept nogil:
    # Document order within ``top``'s subtree: down first, then along, then up and along.
    if node.children is not NULL and node.type == tree.XML_ELEMENT_NODE:
        return node.children
    while node is not top:
        if node.next is not NULL:
            return node.next
        node = node.parent
    return NULL


cdef inline bint is_text(tree.xmlNode* node) noexcept:
    # What lxml reads as text: text and CDATA nodes.
    return node.type == tree.XML_TEXT_NODE or node.type == tree.XML_CDATA_SECTION_NODE


cdef inline bint named(tree.xmlNode* node, const char* name) noexcept:
    # An element whose .tag is ``name`` (not empty), as lxml's tag filters match it in an
    # HTML tree: of that name, in no namespace ("{ns}tr" is no row for iter("tr") either).
    # The first two bytes compared inline: td, th, tr and table differ there, and a call
    # of strcmp for each cell's tests costs more than the rest of them.
    cdef const char* tag = <const char*> node.name
    return (node.type == tree.XML_ELEMENT_NODE and node.ns is NULL
            and tag[0] == name[0] and tag[1] == name[1]
            and (name[1] == 0 or strcmp(tag + 2, name + 2) == 0))


cdef inline bint element_like(tree.xmlNode* node) noexcept:
    # lxml's _isElement: what len(element) counts and indexing returns.
    return (node.type == tree.XML_ELEMENT_NODE or node.type == tree.XML_COMMENT_NODE
            or node.type == tree.XML_ENTITY_REF_NODE or node.type == tree.XML_PI_NODE)


cdef inline bint is_space(unsigned int code) noexcept:
    # str.split()'s and str.strip()'s whitespace; no character past U+3000 is any (most
    # of a Chinese page).
    return code <= 0x3000 and Py_UNICODE_ISSPACE(code)

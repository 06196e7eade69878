# cython: language_level=3, boundscheck=False, wraparound=False
"""Compiled walks over the libxml2 tree under an lxml element (issue 12: speed).

Each function here is the fast path of a plain Python definition in parsers/ that
stays beside it, which tests compare it with on every real page and on made ones
(tests/test_compiled_walks.py). Nothing here decides anything the Python does not:
it reads the same nodes in the same order, without an lxml proxy object and a
decode per node. parsers.compiled says whether this module is built and current.
"""

from cpython.unicode cimport Py_UNICODE_ISSPACE

cimport lxml.includes.etreepublic as cetree
from lxml.includes cimport tree

cetree.import_lxml__etree()


cdef inline tree.xmlNode* _next_in_subtree(tree.xmlNode* node, tree.xmlNode* top) noexcept nogil:
    # Document order within ``top``'s subtree: down first, then along, then up and along.
    if node.children is not NULL and node.type == tree.XML_ELEMENT_NODE:
        return node.children
    while node is not top:
        if node.next is not NULL:
            return node.next
        node = node.parent
    return NULL


cdef Py_ssize_t _non_space(const unsigned char* text) noexcept:
    """Characters of UTF-8 ``text`` other than whitespace as str.split() sees it."""
    cdef Py_ssize_t count = 0
    cdef unsigned int code
    cdef unsigned char byte
    while text[0]:
        byte = text[0]
        if byte < 0x80:
            code = byte
            text += 1
        elif byte < 0xE0:
            code = ((byte & 0x1F) << 6) | (text[1] & 0x3F)
            text += 2
        elif byte < 0xF0:
            code = ((byte & 0x0F) << 12) | ((text[1] & 0x3F) << 6) | (text[2] & 0x3F)
            text += 3
        else:
            code = (((byte & 0x07) << 18) | ((text[1] & 0x3F) << 12)
                    | ((text[2] & 0x3F) << 6) | (text[3] & 0x3F))
            text += 4
        if not Py_UNICODE_ISSPACE(code):
            count += 1
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
        node = _next_in_subtree(node, top)
    return count

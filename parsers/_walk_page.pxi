# Included by parsers/_walk.pyx (one compiled module): the page's own walks, the links
# pass, the container search and the densest element, with the helpers defined there.

# --- the links pass (parsers.links) ---------------------------------------------------


# The names page_links looks for past the targets', in this order: head kinds 1 to 4.
_HEADS = (b"script", b"base", b"meta", b"title")


cdef class _Heads:
    """What the links pass gathers, node by node (page_links, PageWalker)."""
    cdef list bases, scripts, anchors, metas, titles
    cdef tuple groups, targets

    def __cinit__(self, tuple targets):
        self.targets = targets
        self.bases, self.scripts, self.anchors, self.metas, self.titles = [], [], [], [], []
        self.groups = ([], [], [])

    cdef int read(self, tree.xmlNode* node, tree.xmlNode* top, int target, int head) except -1:
        """``node``: an element of one of the targets' tags (``target``, its index) or of
        _HEADS (``head``, 1 to 4; 0 for neither)."""
        if target >= 0:
            value = _attribute(node, <bytes> self.targets[target][1])
            if value:
                (<list> self.groups[<int> self.targets[target][2]]).append(value)
                if strcmp(<const char*> node.name, "a") == 0:
                    text = _string_value(node) if _has_lxml_children(node) else (
                        _text_of(node) or "")
                    self.anchors.append((value, text, _attribute(node, "title") or ""))
        elif head == 0:
            pass
        elif head == 1:
            self.scripts.append(_text_of(node))
        elif head == 2:
            self.bases.append(_attribute(node, "href"))
        elif node is top:
            pass
        elif head == 3:
            self.metas.append((_attribute(node, "name"), _attribute(node, "property"),
                               _attribute(node, "content")))
        else:
            self.titles.append(_text_of(node))
        return 0

    cdef tuple result(self):
        groups = self.groups
        return (self.bases, groups[0] + groups[1] + groups[2], self.scripts, self.anchors,
                self.metas, self.titles)


def page_links(cetree._Element root, tuple targets):
    """parsers.links._page_heads's walk: in one pass over the tree, in document order,
    (bases, targets, scripts, anchors, metas, titles):
    - bases: the href (or None) of every <base>;
    - targets: the value of the attribute each tag of ``targets`` ((tag, attribute,
      group) as bytes, bytes, int) points with, where not empty, group by group;
    - scripts: each <script>'s .text;
    - anchors: (href, string(), title or "") of every <a href>;
    - metas: (name, property, content) of every <meta> but the root;
    - titles: .text of every <title> but the root.
    """
    cdef tree.xmlNode* top = root._c_node
    cdef tree.xmlNode* node = top
    cdef Py_ssize_t count = len(targets)
    cdef _Names names
    cdef int index
    cdef _Heads heads = _Heads(targets)
    _names_of(&names, tuple(target[0] for target in targets) + _HEADS)
    while node is not NULL:
        index = _name_index(&names, node)
        if index >= 0:
            heads.read(node, top, index if index < count else -1,
                       0 if index < count else index - count + 1)
        node = next_in_subtree(node, top)
    return heads.result()


# --- the container search (parsers.html._container_candidates) --------------------------


cdef inline bint _is_xml_space(char byte) noexcept:
    return byte == b' ' or byte == b'\t' or byte == b'\r' or byte == b'\n'


cdef bint _has_word(const char* value, const char* word) noexcept:
    """``word`` among the words of ``value`` split on XML spaces (normalize-space())."""
    cdef Py_ssize_t size = strlen(word)
    cdef const char* start = value
    cdef const char* end
    while True:
        while start[0] and _is_xml_space(start[0]):
            start += 1
        if not start[0]:
            return False
        end = start
        while end[0] and not _is_xml_space(end[0]):
            end += 1
        if end - start == size and strncmp_(start, word, size):
            return True
        start = end


cdef inline bint strncmp_(const char* one, const char* other, Py_ssize_t size) noexcept:
    cdef Py_ssize_t index
    for index in range(size):
        if one[index] != other[index]:
            return False
    return True


def container_candidates(cetree._Element root, tuple ids, tuple class_tests, tuple tags,
                         Py_ssize_t count):
    """parsers.html._container_candidates: per test, the elements (the root's subtree, in
    document order) it selects. ``ids``: (id, test) for an id equal to one; class_tests:
    (test, word, is_part): the class attribute holds the word among its words split on
    XML spaces, or as a part when is_part; ``tags``: (tag, test)."""
    cdef tree.xmlNode* top = root._c_node
    cdef tree.xmlNode* node = top
    cdef _Names names
    cdef int index
    _names_of(&names, tuple(tag for tag, test in tags))
    found = [[] for _ in range(count)]
    while node is not NULL:
        if node.type == tree.XML_ELEMENT_NODE:
            index = _name_index(&names, node)
            if index >= 0:
                found[<int> tags[index][1]].append(_proxy(root, node))
            _test_attributes(root, node, ids, class_tests, found, -1)
        node = next_in_subtree(node, top)
    return found


cdef int _test_attributes(cetree._Element root, tree.xmlNode* node, tuple ids,
                          tuple class_tests, list found, Py_ssize_t index) except -1:
    # The element's id and class attributes, through the tests.
    cdef tree.xmlAttr* attribute = node.properties
    cdef bytes value
    while attribute is not NULL:
        if attribute.ns is NULL and (strcmp(<const char*> attribute.name, "id") == 0
                                     or strcmp(<const char*> attribute.name, "class") == 0):
            value = _texts_joined(attribute.children, NULL, False).encode("utf-8") \
                if attribute.children is not NULL else b""
            _match_attribute(root, node, <const char*> attribute.name, value, ids,
                             class_tests, found, index)
        attribute = attribute.next
    return 0


cdef _match_attribute(cetree._Element root, tree.xmlNode* node, const char* name,
                      const char* value, tuple ids, tuple class_tests, list found,
                      Py_ssize_t index):
    # Each test the attribute passes gets the element: as its measure ``index`` when
    # that is one (PageWalker), else as an element.
    if name[0] == b'i':
        for identifier, test in ids:
            if strcmp(value, <bytes> identifier) == 0:
                found[test].append(index if index >= 0 else _proxy(root, node))
                return
        return
    for test, word, is_part in class_tests:
        if strstr(value, <bytes> word) is NULL:
            continue
        if is_part or _has_word(value, <bytes> word):
            found[test].append(index if index >= 0 else _proxy(root, node))


# --- the densest element (parsers.density.densest) ------------------------------------


cdef struct _Measure:
    tree.xmlNode* node
    Py_ssize_t size  # elements of its subtree, itself included
    Py_ssize_t depth  # below the element measured from (0)
    Py_ssize_t links_above  # <a> among its ancestors, from the element measured from
    Py_ssize_t text  # non-space characters: of its subtree (once it is left)
    Py_ssize_t linked  # of them, those inside some <a>
    Py_ssize_t weighted  # of them, each times the <a> it is inside
    Py_ssize_t hidden  # nodes strip_elements would take from its subtree (PageWalker)
    bint is_link
    bint link_with_children  # an <a> that len() finds children in


cdef class _Measures:
    """Every element under one, in document order, with the lengths of its subtree,
    measured in one walk (no recursion: the open elements are a stack of indexes)."""
    cdef _Measure* items
    cdef Py_ssize_t count, capacity

    def __dealloc__(self):
        free(self.items)

    cdef Py_ssize_t _add(self) except -1:
        cdef _Measure* grown
        if self.count == self.capacity:
            self.capacity = max(64, 2 * self.capacity)
            grown = <_Measure*> realloc(self.items, self.capacity * sizeof(_Measure))
            if grown is NULL:
                raise MemoryError()
            self.items = grown
        self.count += 1
        return self.count - 1

    cdef int measure(self, tree.xmlNode* top) except -1:
        cdef tree.xmlNode* node = top
        cdef Py_ssize_t* open_ = NULL
        cdef Py_ssize_t* grown
        cdef Py_ssize_t depth = 0, room = 0, index, links_open = 0, length
        cdef Py_ssize_t text = 0, linked = 0, weighted = 0
        cdef _Measure* item
        try:
            while True:
                if node.type == tree.XML_ELEMENT_NODE:
                    index = self._add()
                    item = &self.items[index]
                    item.node = node
                    item.depth = depth
                    item.links_above = links_open
                    # Entry values, made lengths when the element is left.
                    item.text, item.linked, item.weighted = text, linked, weighted
                    item.is_link = node.ns is NULL and strcmp(<const char*> node.name, "a") == 0
                    item.link_with_children = item.is_link and _has_lxml_children(node)
                    item.hidden = 0
                    if item.is_link:
                        links_open += 1
                    if depth == room:
                        room = max(64, 2 * room)
                        grown = <Py_ssize_t*> realloc(open_, room * sizeof(Py_ssize_t))
                        if grown is NULL:
                            raise MemoryError()
                        open_ = grown
                    open_[depth] = index
                    depth += 1
                    if node.children is not NULL:
                        node = node.children
                        continue
                elif is_text(node) and node.content is not NULL:
                    length = _non_space(<const unsigned char*> node.content)
                    text += length
                    if links_open:
                        linked += length
                        weighted += length * links_open
                # Leave the elements this node ends, up to one with a next sibling.
                while True:
                    if node.type == tree.XML_ELEMENT_NODE:
                        depth -= 1
                        item = &self.items[open_[depth]]
                        item.size = self.count - open_[depth]
                        item.text, item.linked = text - item.text, linked - item.linked
                        item.weighted = weighted - item.weighted
                        if item.is_link:
                            links_open -= 1
                    if node is top:
                        return 0
                    if node.next is not NULL:
                        node = node.next
                        break
                    node = node.parent
        finally:
            free(open_)

    cdef inline Py_ssize_t nested_link_text(self, Py_ssize_t index) noexcept:
        # Text in links, each link's own (a link in a link counts twice: _link_length).
        cdef _Measure* item = &self.items[index]
        return item.weighted - item.links_above * item.text


def densest(cetree._Element body):
    """parsers.density.densest, as (element, its text_length): every length from one walk
    instead of a walk per element measured."""
    cdef _Measures measures = _Measures()
    cdef Py_ssize_t best
    measures.measure(body._c_node)
    best = _densest_at(measures, 0)
    return _proxy(body, measures.items[best].node), measures.items[best].text


cdef Py_ssize_t _densest_at(_Measures measures, Py_ssize_t base) except -1:
    """The index of the densest element under the element measured at ``base``, which no
    <a> above it holds (its lengths are then its own subtree's)."""
    cdef _Measure* items = measures.items
    cdef Py_ssize_t best = base, index, end = base + items[base].size, total
    cdef double threshold
    cdef _Measure* item
    for index in range(base + 1, end):  # a link inside a link, below base
        if items[index].is_link and items[index].links_above > items[base].links_above:
            return _densest_by_sums(measures, base)
    total = items[base].text - items[base].linked
    if total <= 0:
        return base
    threshold = 0.8 * total
    # A link holding 80% of the text: every element is measured (_densest_by_sums).
    if items[base].linked >= threshold:
        for index in range(base, end):
            item = &items[index]
            if item.is_link and item.link_with_children and item.text >= threshold:
                return _densest_by_sums(measures, base)
    # Down the chain: the first child (no link) holding 80% of the non-link text.
    while True:
        index, end = best + 1, best + items[best].size
        while index < end:
            item = &items[index]
            if not item.is_link and item.text >= threshold \
                    and item.text - item.linked >= threshold:
                best = index
                break
            index += item.size
        else:
            return best


cdef Py_ssize_t _densest_by_sums(_Measures measures, Py_ssize_t base) noexcept:
    cdef _Measure* items = measures.items
    cdef Py_ssize_t best = base, index
    cdef Py_ssize_t total = items[base].text - measures.nested_link_text(base)
    cdef double threshold = 0.8 * total
    if total <= 0:
        return base
    for index in range(base + 1, base + items[base].size):
        if items[index].depth > items[best].depth \
                and items[index].text - measures.nested_link_text(index) >= threshold:
            best = index
    return best

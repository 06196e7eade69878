# Included by parsers/_walk.pyx (one compiled module): every walk parse_html makes of a
# whole page, fused into one (parsers.html.OneWalk; the separate walks are the plain
# definition, parsers.html.SeparateWalks, which tests compare it with).

# What an element's name makes it, in the walk.
cdef enum:
    _FIRST = 1  # stripped first, with comments and processing instructions (script, style)
    _AFTER = 2  # stripped once the page is known to be read (DROP_AFTER)
    _HEADING = 4  # h1, h2, h3: the page-wide heading's candidates
    _PICTURE = 8  # img
    _BODY = 16


cdef enum:
    _MOST_TESTS = 16  # ids and class words the container tests name


cdef struct _Tests:
    # The container tests on attributes as C strings (bytes the walker keeps).
    const char* ids[_MOST_TESTS]
    int id_test[_MOST_TESTS]
    Py_ssize_t id_count
    const char* words[_MOST_TESTS]
    int word_test[_MOST_TESTS]
    bint word_part[_MOST_TESTS]
    Py_ssize_t word_count


cdef struct _Candidate:
    int test
    Py_ssize_t index


cdef struct _Roles:
    int flags[_MOST_NAMES]
    int target[_MOST_NAMES]  # the index among the links pass's targets, or -1
    int head[_MOST_NAMES]  # the links pass's head kind (_Heads.read), 0 for none
    int container[_MOST_NAMES]  # the container test the tag passes, or -1


cdef struct _Squash:
    # Text kept as UTF-8: the page's opening, squashed (``seen``: characters read of it,
    # up to ``limit``), or any text joined.
    char* kept
    Py_ssize_t size, room, seen, limit


cdef int _room_for(_Squash* squash, Py_ssize_t length) except -1:
    cdef char* grown
    if squash.size + length > squash.room:
        squash.room = max(4096, 2 * squash.room, squash.size + length)
        grown = <char*> realloc(squash.kept, squash.room)
        if grown is NULL:
            raise MemoryError()
        squash.kept = grown
    return 0


cdef int _kept_into(_Squash* squash, const char* text) except -1:
    cdef Py_ssize_t length = strlen(text)
    _room_for(squash, length)
    memcpy(squash.kept + squash.size, text, length)
    squash.size += length
    return 0


cdef Py_ssize_t _squashed_into(_Squash* squash, const unsigned char* text, bint count) except -1:
    """squashed_text's reading of one text node (while fewer than ``limit`` characters
    are seen); with ``count``, its characters other than whitespace (text_length's)."""
    cdef const unsigned char* run = text
    cdef Py_ssize_t counted = 0, size
    if squash.seen >= squash.limit:
        return _non_space(text) if count else 0
    _room_for(squash, strlen(<const char*> text))
    while text[0] and squash.seen < squash.limit:
        squash.seen += 1
        size = _char_size(text)
        # Past U+3FFF (lead bytes from 0xE4: the ideographs) no character is whitespace.
        if text[0] < 0xE4 and is_space(_code(text, size)):
            memcpy(squash.kept + squash.size, run, text - run)
            squash.size += text - run
            text += size
            run = text
        else:
            counted += 1
            text += size
    memcpy(squash.kept + squash.size, run, text - run)
    squash.size += text - run
    if count:
        return counted + _non_space(text)
    return 0


cdef class Page:
    """What PageWalker read of one page. Elements are given as their indexes among the
    elements the strip leaves, in document order (candidates, densest, container)."""
    cdef readonly tuple heads  # page_links's
    cdef readonly str squashed  # the opening text, squashed (squashed_text)
    cdef readonly list headings  # h1-h3 elements the first strip leaves, in document order
    cdef readonly bint has_pictures  # an <img> the first strip leaves
    cdef readonly Py_ssize_t body  # the root's first <body> child, else the root (0)
    cdef _Measures measures
    cdef cetree._Element root
    cdef object walker  # its PageWalker
    cdef list images, sources  # of every <img> the strips leave: index, source
    cdef _Candidate* found  # (test, index) of each test an element passes, in document order
    cdef Py_ssize_t found_count, found_room, tests

    def __dealloc__(self):
        free(self.found)

    cdef int _candidate(self, int test, Py_ssize_t index) except -1:
        cdef _Candidate* grown
        if self.found_count == self.found_room:
            self.found_room = max(16, 2 * self.found_room)
            grown = <_Candidate*> realloc(self.found, self.found_room * sizeof(_Candidate))
            if grown is NULL:
                raise MemoryError()
            self.found = grown
        self.found[self.found_count].test = test
        self.found[self.found_count].index = index
        self.found_count += 1
        return 0

    @property
    def candidates(self):
        """Per container test, the indexes of the elements that pass it."""
        found = [[] for _ in range(self.tests)]
        for at in range(self.found_count):
            found[self.found[at].test].append(self.found[at].index)
        return found

    def container(self, Py_ssize_t least):
        """parsers.container.find_container's choice, as an index: of the first test any
        element of ``least`` characters passes, the longest such (the first of equals);
        else the densest."""
        cdef Py_ssize_t test, at, best, text
        for test in range(self.tests):
            best = -1
            for at in range(self.found_count):
                if self.found[at].test != test:
                    continue
                text = self.measures.items[self.found[at].index].text
                if text >= least and (best < 0 or text > self.measures.items[best].text):
                    best = self.found[at].index
            if best >= 0:
                return best
        return _densest_at(self.measures, self.body)

    cdef _Measure* _item(self, Py_ssize_t index) except NULL:
        if not 0 <= index < self.measures.count:
            raise IndexError(index)
        return &self.measures.items[index]

    def element(self, Py_ssize_t index):
        return _proxy(self.root, self._item(index).node)

    def text_length(self, Py_ssize_t index):
        """text_length of the element once stripped."""
        return self._item(index).text

    def link_length(self, Py_ssize_t index):
        """link_length of the element once stripped."""
        self._item(index)
        return self.measures.nested_link_text(index)

    def holds_stripped(self, Py_ssize_t index):
        """Whether strip_elements would take anything from the element's subtree."""
        return self._item(index).hidden > 0

    def densest(self):
        """densest of the body (or of the root) once stripped, as an index."""
        return _densest_at(self.measures, self.body)

    def picture_sources(self, Py_ssize_t index):
        """picture_sources of the element once stripped."""
        cdef Py_ssize_t end = index + self._item(index).size
        if not self.images:
            return []
        return [source for image, source in zip(self.images, self.sources)
                if index <= image < end]

    def string_outside(self, cetree._Element element):
        return self.walker.string_outside(element)


cdef class PageWalker:
    """The walks of parsers.html.SeparateWalks in one, for any number of pages.

    One walk in document order reads the links pass on the tree as parsed, and the rest
    on the tree as etree.strip_elements would leave it, without stripping it: the nodes
    it would take (below the root: the first tags' elements, comments and processing
    instructions; then the after tags' elements) are stepped over where they stand.
    """
    cdef _Names names
    cdef _Roles roles
    cdef _Tests attribute_tests
    cdef tuple name_bytes, targets, ids, class_tests
    cdef Py_ssize_t tests, limit

    def __init__(self, tuple targets, tuple first, tuple after, tuple headings, tuple ids,
                 tuple class_tests, tuple tags, Py_ssize_t tests, Py_ssize_t limit):
        """``targets``: the links pass's (page_links); ``first``, ``after``, ``headings``:
        names as bytes; ``ids``, ``class_tests``, ``tags``, ``tests``: the container
        tests (container_candidates); ``limit``: characters of the opening text."""
        names = []
        for name in [target[0] for target in targets] + list(_HEADS) + list(first) \
                + list(after) + list(headings) + [tag for tag, test in tags] + [b"img", b"body"]:
            if name not in names:
                names.append(name)
        self.name_bytes = tuple(names)
        _names_of(&self.names, self.name_bytes)
        for slot, name in enumerate(names):
            self.roles.flags[slot] = ((_FIRST if name in first else 0)
                                      | (_AFTER if name in after else 0)
                                      | (_HEADING if name in headings else 0)
                                      | (_PICTURE if name == b"img" else 0)
                                      | (_BODY if name == b"body" else 0))
            self.roles.target[slot] = next(
                (index for index, target in enumerate(targets) if target[0] == name), -1)
            self.roles.head[slot] = _HEADS.index(name) + 1 if name in _HEADS else 0
            self.roles.container[slot] = next((test for tag, test in tags if tag == name), -1)
        self.targets, self.ids, self.class_tests = targets, ids, class_tests
        self.tests, self.limit = tests, limit
        if len(ids) > _MOST_TESTS or len(class_tests) > _MOST_TESTS:
            raise ValueError(f"at most {_MOST_TESTS} ids and class words")
        for at, (identifier, test) in enumerate(ids):
            self.attribute_tests.ids[at] = <bytes> identifier
            self.attribute_tests.id_test[at] = test
        self.attribute_tests.id_count = len(ids)
        for at, (test, word, is_part) in enumerate(class_tests):
            self.attribute_tests.words[at] = <bytes> word
            self.attribute_tests.word_test[at] = test
            self.attribute_tests.word_part[at] = is_part
        self.attribute_tests.word_count = len(class_tests)

    cdef inline int _flags(self, _Names* names, tree.xmlNode* node, tree.xmlNode* top,
                           int* slot) noexcept:
        # The element's roles, less the strip's where it is the root (never stripped).
        # ``names``: the walk's own copy of self.names (its cache is of one tree, and
        # another thread may walk another tree with the same walker).
        slot[0] = _name_index(names, node)
        if slot[0] < 0:
            return 0
        if node is top:
            return self.roles.flags[slot[0]] & ~(_FIRST | _AFTER)
        return self.roles.flags[slot[0]]

    def walk(self, cetree._Element root):
        """The Page of ``root``; None where a link holds the root (no HTML parse makes
        one: the lengths below it would not be its own)."""
        cdef tree.xmlNode* top = root._c_node
        cdef tree.xmlNode* node = top
        cdef Page page
        cdef _Measures measures
        cdef _Measure* item
        cdef _Heads heads = _Heads(self.targets)
        cdef _Squash squash
        cdef Py_ssize_t* open_ = NULL
        cdef Py_ssize_t* grown
        cdef Py_ssize_t depth = 0, room = 0, index, links_open = 0, length
        cdef Py_ssize_t text = 0, linked = 0, weighted = 0, hidden = 0
        cdef Py_ssize_t first_open = 0, after_open = 0
        cdef int slot, flags
        if named(top, "a"):
            return None
        cdef _Names names = self.names  # its cache is this walk's, of this tree
        page = Page.__new__(Page)
        page.root, page.walker, page.body = root, self, 0
        page.measures = measures = _Measures()
        page.headings, page.images, page.sources = [], [], []
        page.tests = self.tests
        memset(&squash, 0, sizeof(_Squash))
        squash.limit = self.limit
        try:
            while True:
                if node.type == tree.XML_ELEMENT_NODE:
                    flags = self._flags(&names, node, top, &slot)
                    if slot >= 0:
                        heads.read(node, top, self.roles.target[slot], self.roles.head[slot])
                    if first_open == 0 and not flags & _FIRST:
                        if flags & _HEADING:
                            page.headings.append(_proxy(root, node))
                        if flags & _PICTURE:
                            page.has_pictures = True
                    if flags & (_FIRST | _AFTER):
                        hidden += first_open == 0 and after_open == 0
                        first_open += (flags & _FIRST) != 0
                        after_open += (flags & _AFTER) != 0
                    elif first_open == 0 and after_open == 0:
                        index = measures._add()
                        item = &measures.items[index]
                        item.node = node
                        item.depth = depth
                        item.links_above = links_open
                        # Entry values, made lengths when the element is left.
                        item.text, item.linked, item.weighted = text, linked, weighted
                        item.hidden = hidden
                        item.is_link = named(node, "a")
                        item.link_with_children = item.is_link and self._kept_children(&names, node)
                        links_open += item.is_link
                        if flags & _PICTURE:
                            page.images.append(index)
                            page.sources.append(_attribute(node, "src")
                                                or _attribute(node, "data-src") or "")
                        if flags & _BODY and depth == 1 and page.body == 0:
                            page.body = index
                        if slot >= 0 and self.roles.container[slot] >= 0:
                            page._candidate(self.roles.container[slot], index)
                        if node.properties is not NULL:
                            self._test_attributes(page, node, index)
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
                elif is_text(node):
                    if node.content is not NULL and first_open == 0:
                        length = _squashed_into(&squash, <const unsigned char*> node.content,
                                                after_open == 0)
                        if after_open == 0:
                            text += length
                            if links_open:
                                linked += length
                                weighted += length * links_open
                elif node.type == tree.XML_COMMENT_NODE or node.type == tree.XML_PI_NODE:
                    hidden += first_open == 0 and after_open == 0
                # Leave the elements this node ends, up to one with a next sibling.
                while True:
                    if node.type == tree.XML_ELEMENT_NODE:
                        flags = self._flags(&names, node, top, &slot)
                        if flags & (_FIRST | _AFTER):
                            first_open -= (flags & _FIRST) != 0
                            after_open -= (flags & _AFTER) != 0
                        elif first_open == 0 and after_open == 0:  # measured
                            depth -= 1
                            item = &measures.items[open_[depth]]
                            item.size = measures.count - open_[depth]
                            item.text, item.linked = text - item.text, linked - item.linked
                            item.weighted = weighted - item.weighted
                            item.hidden = hidden - item.hidden
                            links_open -= item.is_link
                    if node is top:
                        page.heads = heads.result()
                        page.squashed = (PyUnicode_DecodeUTF8(squash.kept, squash.size, NULL)
                                         if squash.size else "")
                        return page
                    if node.next is not NULL:
                        node = node.next
                        break
                    node = node.parent
        finally:
            free(open_)
            free(squash.kept)

    cdef int _test_attributes(self, Page page, tree.xmlNode* node, Py_ssize_t index) except -1:
        # _test_attributes of container_candidates, on the value in place where it is one
        # text node (nearly always; else joined).
        cdef tree.xmlAttr* attribute = node.properties
        cdef const char* value
        cdef bytes joined
        cdef bint is_id
        cdef Py_ssize_t at
        cdef _Tests* tests = &self.attribute_tests
        while attribute is not NULL:
            if attribute.ns is NULL and (strcmp(<const char*> attribute.name, "id") == 0
                                         or strcmp(<const char*> attribute.name, "class") == 0):
                is_id = attribute.name[0] == b'i'
                if attribute.children is NULL:
                    value = ""
                elif is_text(attribute.children) and attribute.children.next is NULL \
                        and attribute.children.content is not NULL:
                    value = <const char*> attribute.children.content
                else:
                    joined = _texts_joined(attribute.children, NULL, False).encode("utf-8")
                    value = joined
                if is_id:
                    for at in range(tests.id_count):
                        if strcmp(value, tests.ids[at]) == 0:
                            page._candidate(tests.id_test[at], index)
                            break
                else:
                    for at in range(tests.word_count):
                        if strstr(value, tests.words[at]) is not NULL and (
                                tests.word_part[at] or _has_word(value, tests.words[at])):
                            page._candidate(tests.word_test[at], index)
            attribute = attribute.next
        return 0

    cdef bint _kept_children(self, _Names* names, tree.xmlNode* node) noexcept:
        # len(element) once stripped: children of lxml's kinds that the strip leaves.
        cdef tree.xmlNode* child = node.children
        cdef int slot
        while child is not NULL:
            if child.type == tree.XML_ENTITY_REF_NODE or (
                    child.type == tree.XML_ELEMENT_NODE
                    and not self._flags(names, child, NULL, &slot) & (_FIRST | _AFTER)):
                return True
            child = child.next
        return False

    def string_outside(self, cetree._Element element):
        """string() of the element once the first tags are stripped below it (its own
        text but for that of their elements)."""
        cdef tree.xmlNode* top = element._c_node
        cdef tree.xmlNode* node = top
        cdef _Squash joined
        cdef int slot
        cdef _Names names = self.names
        memset(&joined, 0, sizeof(_Squash))
        try:
            while node is not NULL:
                if is_text(node) and node.content is not NULL:
                    _kept_into(&joined, <const char*> node.content)
                if node.type == tree.XML_ELEMENT_NODE and node.children is not NULL \
                        and not self._flags(&names, node, top, &slot) & _FIRST:
                    node = node.children
                    continue
                while node is not top and node.next is NULL:
                    node = node.parent
                node = NULL if node is top else node.next
            return PyUnicode_DecodeUTF8(joined.kept, joined.size, NULL) if joined.size else ""
        finally:
            free(joined.kept)

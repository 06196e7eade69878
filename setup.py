"""The compiled walks (parsers/_walk.pyx) against lxml's own libxml2; everything else
is in pyproject.toml. Optional: without a C compiler the parsers run their Python
definitions, the same results more slowly (parsers/compiled.py says which)."""

import lxml
from Cython.Build import cythonize
from setuptools import Extension, setup

WALKS = Extension(
    "parsers._walk",
    ["parsers/_walk.pyx"],
    include_dirs=lxml.get_include(),
    optional=True,
)

LINES = Extension(
    "parsers._lines", ["parsers/_lines.pyx"], include_dirs=lxml.get_include(), optional=True
)

# The token stream's loops (parsers/tables.py, parsers/tokens.py): no lxml in them.
ROWS = Extension("parsers._rows", ["parsers/_rows.pyx"], optional=True)

# A page's markup less the attributes nothing reads (parsers/html.py, PRESENTATION).
MARKUP = Extension("parsers._markup", ["parsers/_markup.pyx"], optional=True)

setup(ext_modules=cythonize([WALKS, LINES, ROWS, MARKUP], quiet=True))

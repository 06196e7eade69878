"""`python -m demo` (what `make demo` runs): crawl the bundled demo portal, see demo/run.py."""

import sys

from demo.run import main

sys.exit(main())

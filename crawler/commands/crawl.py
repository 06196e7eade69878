"""`scrapy crawl` that exits with a status saying what happened (README: Exit status).

    0  ok
    1  failed: a site failed entirely (a 404 start URL, a refused connection), nothing
       was fetched, the database refused a write, or a column's list is filled by a
       script the site's options do not cover and no report link was found
    2  the crawl could not run: an unknown -a site=, or REPORTS_DB is not a usable
       reports database (one line says why; the file is left as it was)
    3  interrupted (Ctrl-C, SIGTERM)

The run's summary (crawler/progress.py) is the last thing it logs.
"""

from __future__ import annotations

import sys

from scrapy.commands.crawl import Command as ScrapyCrawl

from crawler.runs import EXIT_ERROR, exit_code
from output.store import DatabaseError, open_store


class Command(ScrapyCrawl):
    def run(self, args, opts) -> None:
        # A Redis worker never opens SQLite (crawler.distributed): the writer checks it.
        if not self.settings.get("REDIS_URL"):
            try:
                open_store(self.settings.get("REPORTS_DB")).close()
            except DatabaseError as error:
                print(f"error: {error}", file=sys.stderr)
                self.exitcode = EXIT_ERROR
                return
        crawlers: list = []
        create = self._create_crawler

        def remember(spidercls):
            crawler = create(spidercls)
            crawlers.append(crawler)
            return crawler

        self._create_crawler = remember
        super().run(args, opts)
        if self.exitcode or not crawlers:
            self.exitcode = self.exitcode or EXIT_ERROR
            return
        stats = crawlers[0].stats.get_stats() if crawlers[0].stats else {}
        self.exitcode = exit_code(stats.get("run/status"), stats)

"""Scrapy settings: polite defaults for crawling government portals.

Override any of them per run with -s NAME=VALUE, e.g. -s REPORTS_DB=output/other.db.
"""

from parsers import sniff  # the document and page size caps

BOT_NAME = "gov_annual_reports"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"
COMMANDS_MODULE = "crawler.commands"  # `scrapy crawl` with exit codes (crawler/commands)

USER_AGENT = (
    "gov-annual-reports-crawler/0.1 (+https://github.com/gov-annual-reports/crawler; research use)"
)

# Politeness: these are public-service sites, often slow and small.
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 0.5
DOWNLOAD_DELAY_JITTER = 0.5  # ±50%
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
RETRY_AFTER_MAX = 60  # seconds: Retry-After is honoured up to this (crawler/middlewares.py)
DOWNLOAD_TIMEOUT = 60
DOWNLOAD_MAXSIZE = (
    sniff.MAX_DOCUMENT_BYTES
)  # reports as scanned PDFs can be large; larger: "too large"
DOWNLOAD_WARNSIZE = 20 * 1024 * 1024
HTML_MAXSIZE = sniff.MAX_PAGE_BYTES  # a page (not a file) larger than this is "too large"
# A body shorter than its Content-Length is an error (retried, then "truncated body"),
# never half a report. (Scrapy's default; said here because storage relies on it.)
DOWNLOAD_FAIL_ON_DATALOSS = True

# Items of one response go through the pipelines one after another: they are cheap
# (storage writes in a thread of its own), Scrapy's default of 100 starts 100 asyncio
# tasks for every response, and a page's outcome must reach storage before its body.
CONCURRENT_ITEMS = 1

HTTPCACHE_ENABLED = False  # the pages table keeps bodies; unchanged pages are not re-parsed
TELNETCONSOLE_ENABLED = False
# 25 = PROGRESS (crawler/progress.py): a progress line every PROGRESS_INTERVAL seconds,
# warnings, errors and the run's summary. -s LOG_LEVEL=INFO (or DEBUG) for the full log.
LOG_LEVEL = 25
PROGRESS_INTERVAL = 30

# --- this project ----------------------------------------------------------------------------
REPORTS_DB = "output/reports.db"
REPORTS_DB_BATCH = 50  # items per storage transaction
REPORTS_DB_BATCH_BYTES = 64 * 1024 * 1024  # ... or fewer, once their bodies reach this size
DEMO_BASE_URL = None  # e.g. http://127.0.0.1:8000, fills {demo_base} in crawler/registry.yaml
MAX_LIST_PAGES = 50  # list pages per site unless the registry says otherwise
# Scanned attachments and pictures of tables are read by OCR (seconds per page, see
# README); False records them as "scanned" without reading them.
OCR_ENABLED = True
# Same-site attachments (pdf/doc/docx/wps) of report pages are fetched and parsed:
# "always" (a report page may attach another body's report, or the full version);
# "auto" only when the page holds no report or one without table cells; "never".
ATTACHMENTS_POLICY = "always"
ATTACHMENT_FETCH_EXTENSIONS = ["pdf", "doc", "docx", "wps"]

# Optional: a folder where fetched attachments are also kept as files, named by content
# hash and a sanitised extension (crawler/files.py); None keeps them in the database only.
ATTACHMENTS_DIR = None

# Documents are parsed in worker processes (crawler/worker.py), each under a memory and
# a time limit; one past it is recorded as "too large" or "too slow" and the crawl goes on.
PARSE_WORKERS = 0  # 0: one per core
PARSE_MEMORY_MB = 2048  # address space of a worker (RLIMIT_AS), interpreter included; OCR
# (onnxruntime) fails under ~1.5 GB of address space though its RSS stays under 1 GB
PARSE_TIMEOUT = 120  # CPU seconds for any document ...
PARSE_TIMEOUT_PER_PAGE = 5  # ... and this many more per PDF page (OCR of scans) ...
PARSE_TIMEOUT_MAX = 1800  # ... up to this
# os.nice of the parse workers and of the SQLite writer's process: the reactor paces the
# crawl (downloads, callbacks, pipelines), and on a busy machine a worker or the writer
# preempting it stalls everything behind it; they catch up in its idle moments.
PARSE_NICENESS = 5
STORE_NICENESS = 5

# Fan-out caps (crawler/caps.py): each hit is counted (caps/*), logged and recorded.
MAX_COLUMNS_PER_SITE = 20  # report columns taken from a site's home pages
MAX_REPORT_LINKS_PER_PAGE = 200  # report links taken from one list page
MAX_ATTACHMENTS_PER_PAGE = 10  # attachments fetched from one report page
MAX_REQUESTS_PER_SITE = 5000  # requests for one site in one run, start URLs aside

ITEM_PIPELINES = {
    "crawler.pipelines.ReportProvenancePipeline": 100,
    "crawler.pipelines.KeepBetterReportPipeline": 150,  # a broken response never wins
    "crawler.pipelines.CrawlStatsPipeline": 200,
    "crawler.pipelines.AttachmentFilesPipeline": 400,
    "crawler.pipelines.SqliteStorePipeline": 900,  # storage last
}
# See crawler/middlewares.py for what each does and why it sits where it does.
DOWNLOADER_MIDDLEWARES = {
    "crawler.middlewares.ConditionalGetMiddleware": 910,
    "crawler.middlewares.RedirectGuardMiddleware": 650,
    "crawler.middlewares.CompressedBodyGuardMiddleware": 600,  # before decompression (590)
    "crawler.middlewares.ResponseGuardMiddleware": 560,
    "crawler.middlewares.RetryAfterMiddleware": 555,
    # Scrapy's downloader/* counts without the request bytes, which cost every request's
    # whole HTTP text in the reactor (crawler/middlewares.py).
    "scrapy.downloadermiddlewares.stats.DownloaderStats": None,
    "crawler.middlewares.DownloadCountsMiddleware": 850,
    # Scrapy's decodes every page to look for a <meta http-equiv="refresh">; ours (the same
    # redirects, METAREFRESH_* settings) only a page whose bytes may hold one.
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "crawler.meta_refresh.MetaRefreshMiddleware": 580,
}
SPIDER_MIDDLEWARES = {
    "crawler.middlewares.ResponseHeadersMiddleware": 900,
}
EXTENSIONS = {
    "crawler.runs.RunRecorder": 500,  # one row per run in the runs table
    "crawler.progress.ProgressLog": 510,  # progress lines and the closing summary
}
# With -s REDIS_URL=redis://HOST:PORT/DB the crawl is a worker of a distributed run
# (crawler/distributed): scrapy-redis queue and dupefilter, items to the writer.
REDIS_URL = None
ADDONS = {"crawler.distributed.addon.RedisModeAddon": 0}
REMOTE_CONTROL_ENABLED = False  # Scrapy 2.19 opens a control port otherwise; not needed

# Feed exports (-O reports.jsonl, FEEDS): one record per report (crawler/feeds.py).
FEED_EXPORT_ENCODING = "utf-8"  # Chinese as characters, not \u escapes
FEED_EXPORTERS = {
    "csv": "crawler.feeds.ReportCsvItemExporter",
    "xml": "crawler.feeds.ReportXmlItemExporter",
}
LOG_FORMATTER = "crawler.feeds.QuietLogFormatter"  # no line per item consumed by storage

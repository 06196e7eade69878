"""The crawl on Redis (scrapy-redis): many worker processes, one writer for the SQLite file.

Turned on by the REDIS_URL setting (`scrapy crawl annual_reports -s REDIS_URL=...`, or
`python -m crawler.nightly --redis URL --workers N`); without it nothing here runs.

  keys.py        the Redis keys of a run, connecting, worker liveness, "is the run done"
  run.py         preparing a run (fresh or resumed) and reading its merged stats
  scheduler.py   scrapy-redis' scheduler with a queue that remembers what each worker
                 took, so that a worker's death loses nothing (requeued by the others)
  worker.py      the addon switching a worker to Redis, its heartbeat, idle handling,
                 seeding and stats; workers never open SQLite
  index.py       what the database knew (hashes, validators, attachments) as Redis
                 lookups for the spider and the conditional GET
  stream.py      items and page bodies to a Redis stream; the writer (crawler.writer)
                 drains it into the database
  politeness.py  per-host spacing of requests shared by every worker
  nightly.py     `python -m crawler.nightly --redis URL --workers N`
"""

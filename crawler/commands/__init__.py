"""Project commands (COMMANDS_MODULE): `scrapy crawl` with an honest exit status."""

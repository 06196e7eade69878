"""AttachmentFilesPipeline is in the crawl's chain only with ATTACHMENTS_DIR: without one
(the default) no item pays a pass through it, and Scrapy leaves it out without a warning."""

from __future__ import annotations

import logging

import pytest
from scrapy import Spider
from scrapy.pipelines import ItemPipelineManager
from scrapy.utils.test import get_crawler

from crawler import settings as project_settings
from crawler.items import OutcomeItem
from crawler.pipelines import AttachmentFilesPipeline, SqliteStorePipeline
from parsers.model import ParseOutcome

URL = "http://www.example.gov.cn/xxgk/ndbg/t20240131_1.html"


def pipelines(**settings) -> list[type]:
    crawler = get_crawler(Spider, {"ITEM_PIPELINES": project_settings.ITEM_PIPELINES, **settings})
    return [type(pipeline) for pipeline in ItemPipelineManager.from_crawler(crawler).middlewares]


def test_the_pipeline_is_out_of_the_chain_without_a_folder_and_in_it_with_one(tmp_path, caplog):
    with caplog.at_level(logging.INFO):
        chain = pipelines()
    assert AttachmentFilesPipeline not in chain
    assert chain[-1] is SqliteStorePipeline
    assert len(chain) == len(project_settings.ITEM_PIPELINES) - 1
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]  # left out quietly
    assert AttachmentFilesPipeline not in pipelines(ATTACHMENTS_DIR="")
    assert AttachmentFilesPipeline in pipelines(ATTACHMENTS_DIR=str(tmp_path / "files"))


@pytest.mark.parametrize("folder", [None, ""])
def test_a_pipeline_built_by_hand_without_a_folder_passes_items_on(folder):
    item = OutcomeItem(ParseOutcome(URL, None, reason="not a report"))
    assert AttachmentFilesPipeline(folder).process_item(item) is item

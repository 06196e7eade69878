"""Spiders of the project: one, annual_reports (crawler/spiders/annual_reports.py)."""

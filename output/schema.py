"""Migration 4 (output/store.py's MIGRATIONS): what the analysts' interface stores.

- report_cells and report_checks are rebuilt with foreign keys that cascade: a report's
  cells and checks go with it (rows of reports that no longer exist are not copied);
- cell_keys, filled from parsers/cells.tsv by output.views;
- the search tables of output.search (their triggers and contents come from
  output.views.ensure_derived, which runs after the migrations).
"""

from output.search import SEARCH_TABLES_SQL

ANALYSTS_SQL = (
    """
    CREATE TABLE report_cells_new (
        report_id TEXT NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
        key TEXT NOT NULL,
        value NUMERIC,
        raw TEXT,
        PRIMARY KEY (report_id, key)
    );
    INSERT INTO report_cells_new (report_id, key, value, raw)
        SELECT report_id, key, value, raw FROM report_cells
        WHERE report_id IN (SELECT id FROM reports);
    DROP TABLE report_cells;
    ALTER TABLE report_cells_new RENAME TO report_cells;
    CREATE INDEX report_cells_by_key ON report_cells (key);
    CREATE TABLE report_checks_new (
        report_id TEXT NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        ok INTEGER NOT NULL,
        detail TEXT,
        PRIMARY KEY (report_id, name)
    );
    INSERT INTO report_checks_new (report_id, name, ok, detail)
        SELECT report_id, name, ok, detail FROM report_checks
        WHERE report_id IN (SELECT id FROM reports);
    DROP TABLE report_checks;
    ALTER TABLE report_checks_new RENAME TO report_checks;
    CREATE TABLE cell_keys (          -- filled from parsers/cells.tsv (output.views)
        key TEXT PRIMARY KEY,
        table_no INTEGER NOT NULL,
        row_key TEXT NOT NULL,
        row_label TEXT,
        column_key TEXT NOT NULL,
        column_label TEXT,
        unit TEXT,
        formats TEXT,
        row_order INTEGER NOT NULL,
        column_order INTEGER NOT NULL
    );
    CREATE INDEX cell_keys_by_row ON cell_keys (table_no, row_key);
    """
    + SEARCH_TABLES_SQL
)

"""The reports database: schema, migrations, views, search, labels, exports.

The one package that writes SQL. The parsers' CLI, the crawler, reparse and the
analyst tools all open the database through `output.store`.
"""

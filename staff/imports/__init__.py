"""Import and export of staff and units from the province's spreadsheets (docs/imports.md).

reader.py    bytes (.xlsx / .csv) → a header row and data rows, with their spreadsheet numbers
columns.py   the two kinds of file, their Vietnamese column layouts, tolerant header matching
formats.py   django-import-export formats that read through ``staff.lib.uploads`` and ``reader``
report.py    what an import found: row errors, row statuses, totals; as text, error sheet, preview
checks.py    the cross-row checks (duplicates, managers, e-mails, another agency, unit parents)
resources.py django-import-export resources: the row ↔ model mapping shared by the admin, the
             web page and the ``import_staff`` command
services.py  ``import_preview`` / ``import_run``: scope, all-or-nothing, one transaction
jobs.py      an upload as an ``ImportJob`` and its Celery task: start, run, confirm, cancel

Each imports only the ones above it, so the package has no import cycle.
"""

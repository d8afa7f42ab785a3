"""Import and export of staff and units from the province's spreadsheets (issue 6).

reader.py   bytes (.xlsx / .csv) → a header row and data rows, with their spreadsheet numbers
columns.py  the Vietnamese column layouts and tolerant header matching
resources.py django-import-export resources: the row ↔ model mapping shared by the admin, the
            web page and the ``import_staff`` command
services.py ``import_preview`` / ``import_run``: cross-row checks, all-or-nothing, transfers

"""

"""django-import-export formats that read uploads through ``safety`` and ``reader``.

The library's own XLSX format opens any upload with openpyxl, evaluates nothing but checks
nothing either, and takes the first row as the header. These check the file first (size, zip
bomb, macros, encryption, DOCTYPE), find the header below title rows, match Vietnamese headers
tolerantly, and read formulas as text — the same path as the command and the web page.
"""

from __future__ import annotations

import tablib
from import_export.formats.base_formats import CSV, XLSX

from staff.imports import columns as cols
from staff.imports.reader import read_table
from staff.lib.uploads import check_upload


def dataset_from_upload(data: bytes, kind: str, layout) -> tablib.Dataset:
    check_upload(data, f"upload.{kind}")
    table = read_table(data, kind, layout)
    ds = tablib.Dataset(*[values for _, values in table.rows], headers=table.headers)
    ds.sheet_rows = [number for number, _ in table.rows]  # for messages: spreadsheet row numbers
    return ds


class _SafeXLSX(XLSX):
    LAYOUT: tuple[cols.Column, ...] = cols.STAFF_COLUMNS

    def create_dataset(self, in_stream):
        return dataset_from_upload(bytes(in_stream), "xlsx", self.LAYOUT)


class _SafeCSV(CSV):
    LAYOUT: tuple[cols.Column, ...] = cols.STAFF_COLUMNS

    def is_binary(self):
        return True  # decoded by the reader: UTF-8 with or without BOM, , or ;

    def get_read_mode(self):
        return "rb"

    def create_dataset(self, in_stream):
        data = in_stream.encode() if isinstance(in_stream, str) else bytes(in_stream)
        return dataset_from_upload(data, "csv", self.LAYOUT)


class StaffXLSX(_SafeXLSX):
    LAYOUT = cols.STAFF_COLUMNS


class StaffCSV(_SafeCSV):
    LAYOUT = cols.STAFF_COLUMNS


class UnitXLSX(_SafeXLSX):
    LAYOUT = cols.UNIT_COLUMNS


class UnitCSV(_SafeCSV):
    LAYOUT = cols.UNIT_COLUMNS

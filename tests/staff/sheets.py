"""Build real spreadsheets for the import tests, with the quirks LibreOffice and Excel leave."""

from __future__ import annotations

import io
import unicodedata

from openpyxl import Workbook

STAFF_HEADERS = [
    "Mã cán bộ", "Họ và tên", "Ngày sinh", "Giới tính", "Mã đơn vị", "Chức vụ", "Loại",
    "Nhóm nhiệm vụ", "Mã người quản lý", "Email", "Đảng viên", "Ngày vào",
]  # fmt: skip


def staff_row(code, name, unit, *, manager="", email="", category="CC", joined="01/01/2015",
              dob="", gender="", position="", duty="", party=""):  # fmt: skip
    return [code, name, dob, gender, unit, position, category, duty, manager, email, party, joined]


def xlsx(rows, headers=STAFF_HEADERS, *, title=None, trailing_blank=0, text_numbers=False,
         sheet_title="Danh sách") -> bytes:  # fmt: skip
    """An .xlsx as openpyxl writes it; ``title`` adds a merged title row and a blank row above
    the header (as exported from the personnel database)."""
    wb = Workbook()
    ws = wb.active
    ws.title = sheet_title
    if title:
        ws.append([title])
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
        ws.append([])
    ws.append(headers)
    for row in rows:
        ws.append(row)
        if text_numbers:
            for cell in ws[ws.max_row]:
                if isinstance(cell.value, str) and cell.value.isdigit():
                    cell.number_format = "@"  # a number stored as text
    for _ in range(trailing_blank):
        ws.append([None] * len(headers))
        ws.cell(row=ws.max_row, column=1).number_format = "General"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def csv_bytes(rows, headers=STAFF_HEADERS, *, sep=",", bom=False) -> bytes:
    def cell(v):
        v = "" if v is None else str(v)
        return f'"{v}"' if sep in v or '"' in v else v

    text = "\n".join(sep.join(cell(v) for v in r) for r in [headers, *rows]) + "\n"
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode()


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)

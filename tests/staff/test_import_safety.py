"""Hostile and broken uploads are refused before parsing, quickly and with little memory."""

from __future__ import annotations

import io
import time
import tracemalloc
import zipfile

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from staff.imports.columns import STAFF_COLUMNS
from staff.imports.reader import FileError, read_xlsx
from staff.imports.services import import_preview
from staff.lib.uploads import Limits, UnsafeFile, check_upload
from staff.models import StaffMember
from tests.staff.sheets import staff_row, xlsx

MB = 1024 * 1024


def rezip(data: bytes, replace: dict[str, bytes] | None = None, add: dict[str, bytes] | None = None,
          ) -> bytes:  # fmt: skip
    """Copy an .xlsx, replacing or adding parts."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            body = (replace or {}).get(info.filename, src.read(info))
            dst.writestr(info.filename, body, zipfile.ZIP_DEFLATED)
        for name, body in (add or {}).items():
            dst.writestr(name, body, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def zip_bomb(inflated_mb: int = 300) -> bytes:
    """A workbook whose sheet inflates to ``inflated_mb`` of zeros (about 300 KB on the wire)."""
    base = xlsx([staff_row("A1", "Ai Đó", "A-KH")])
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            if info.filename == "xl/worksheets/sheet1.xml":
                big = zipfile.ZipInfo(info.filename)
                big.compress_type = zipfile.ZIP_DEFLATED
                with dst.open(big, "w", force_zip64=True) as part:
                    chunk = b"0" * MB
                    for _ in range(inflated_mb):
                        part.write(chunk)
            else:
                dst.writestr(info, src.read(info))
    return out.getvalue()


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
<row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row>
</sheetData></worksheet>"""


def billion_laughs() -> bytes:
    base = xlsx([staff_row("A1", "Ai Đó", "A-KH")])
    return rezip(base, replace={"xl/worksheets/sheet1.xml": BILLION_LAUGHS})


def bounded(fn):
    """Run ``fn``; return (result or exception, seconds, peak traced bytes)."""
    tracemalloc.start()
    start = time.perf_counter()
    try:
        outcome = fn()
    except Exception as exc:
        outcome = exc
    seconds = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return outcome, seconds, peak


def test_a_zip_bomb_is_refused_quickly_with_little_memory(db):
    bomb = zip_bomb(300)
    assert len(bomb) < 2 * MB
    report, seconds, peak = bounded(
        lambda: import_preview(data=bomb, filename="bomb.xlsx", full=False)
    )
    assert "zip" in report.file_errors[0]
    assert seconds < 1.0
    assert peak < 50 * MB


def test_a_high_ratio_part_is_refused_even_under_the_total_limit():
    with pytest.raises(UnsafeFile, match="zip bomb"):
        check_upload(zip_bomb(20), "bomb.xlsx")


def test_too_many_zip_entries_are_refused():
    base = xlsx([staff_row("A1", "Ai Đó", "A-KH")])
    many = rezip(base, add={f"xl/media/image{i}.png": b"x" for i in range(600)})
    with pytest.raises(UnsafeFile, match="too many parts"):
        check_upload(many, "many.xlsx")


def test_billion_laughs_is_refused_quickly_with_little_memory(db):
    data = billion_laughs()
    report, seconds, peak = bounded(
        lambda: import_preview(data=data, filename="lol.xlsx", full=False)
    )
    assert "DOCTYPE" in report.file_errors[0]
    assert seconds < 1.0
    assert peak < 50 * MB


def test_defusedxml_blocks_entities_even_past_the_prescan():
    # Straight to the parser, skipping safety.py: openpyxl parses with defusedxml.
    data = billion_laughs()
    outcome, seconds, peak = bounded(lambda: read_xlsx(data, STAFF_COLUMNS))
    assert isinstance(outcome, FileError)
    assert seconds < 2.0
    assert peak < 50 * MB


@pytest.mark.parametrize(
    ("name", "data", "needle"),
    [
        ("ds.xlsm", b"PK\x03\x04whatever", "Macro-enabled"),
        ("ds.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "encrypted"),
        ("ds.xlsx", b"PK\x03\x04 this is not really a zip", "damaged"),
        ("ds.xlsx", b"", "empty"),
        ("ds.pdf", b"%PDF-1.4", "Only .xlsx and .csv"),
        ("ds.csv", b"\xff\xfeM\x00\xe3\x00", "plain text"),
        ("ds.csv", "Mã cán bộ,Họ và tên\n".encode("cp1258", "replace"), "UTF-8"),
        ("ds.csv", b"a,b,c\n1,2,3\n", "No header row"),
    ],
)
def test_bad_files_are_refused_with_a_message(db, name, data, needle):
    report = import_preview(data=data, filename=name, full=False)
    assert not report.ok
    assert needle in report.file_errors[0]


def test_a_workbook_with_macros_inside_is_refused():
    data = rezip(xlsx([staff_row("A1", "Ai Đó", "A-KH")]), add={"xl/vbaProject.bin": b"\0" * 10})
    with pytest.raises(UnsafeFile, match="macros"):
        check_upload(data, "ds.xlsx")


def test_the_size_limit():
    data = xlsx([staff_row("A1", "Ai Đó", "A-KH")])
    with pytest.raises(UnsafeFile, match="larger than"):
        check_upload(data, "ds.xlsx", Limits(max_bytes=1000))


def test_formula_cells_are_read_as_text_not_evaluated(org):
    rows = [staff_row("A801", "Lương Văn Tú", "A-KH", joined="=DATE(2020,1,1)")]
    report = import_preview(data=xlsx(rows), filename="f.xlsx", full=False)
    [error] = report.errors
    assert error.column == "Ngày vào"
    assert "=DATE(2020,1,1)" in error.message


# --- the command ---------------------------------------------------------------------------


def run(*args):
    out = io.StringIO()
    try:
        call_command("import_staff", *args, stdout=out, stderr=io.StringIO())
    except CommandError as exc:
        return exc.returncode, out.getvalue()
    return 0, out.getvalue()


def test_the_command_writes_a_clean_file_and_exits_0(org, tmp_path):
    path = tmp_path / "a.xlsx"
    path.write_bytes(xlsx([staff_row("A901", "Kiều Thị Nga", "A-KH")]))
    code, out = run(str(path), "--dry-run", "--partial")
    assert code == 0
    assert not StaffMember.objects.filter(code="A901").exists()
    assert "dry run" in out
    code, out = run(str(path), "--agency", "SOA")
    assert code == 0, out
    assert StaffMember.objects.filter(code="A901").exists()
    assert "written" in out
    assert "not in file" in out  # the rest of Sở Alpha is listed


def test_the_command_exits_1_with_the_report_and_writes_nothing(org, tmp_path):
    path = tmp_path / "a.xlsx"
    path.write_bytes(
        xlsx([staff_row("A901", "Kiều Thị Nga", "A-KH"), staff_row("A902", "Bé", "NOPE")])
    )
    code, out = run(str(path))
    assert code == 1
    assert "Dòng 3, cột “Mã đơn vị”" in out
    assert not StaffMember.objects.filter(code="A901").exists()


@pytest.mark.parametrize(
    ("name", "data"),
    [("x.xlsx", b""), ("x.xlsx", b"PK\x03\x04broken"), ("x.docx", b"hello"), ("x.csv", b"\0\0")],
)
def test_the_command_never_tracebacks_on_a_bad_file(db, tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    code, out = run(str(path))
    assert code == 1
    assert "file error" in out


def test_the_command_reports_a_missing_file(db, tmp_path):
    code, _ = run(str(tmp_path / "nope.xlsx"))
    assert code == 1


def test_the_command_refuses_an_unknown_agency(db, tmp_path):
    path = tmp_path / "a.xlsx"
    path.write_bytes(xlsx([staff_row("A901", "Kiều Thị Nga", "A-KH")]))
    code, _ = run(str(path), "--agency", "NOPE")
    assert code == 1

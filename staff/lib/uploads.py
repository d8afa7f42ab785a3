"""What an uploaded spreadsheet must pass before any parser sees it.

An .xlsx is a zip of XML parts. A hostile one can be tiny on the wire and huge when inflated (a
zip bomb), carry macros (.xlsm, ``vbaProject.bin``), be an encrypted OLE container that only
looks like a workbook, or declare XML entities that expand exponentially ("billion laughs").
Everything here reads only the zip's central directory and the first bytes of each XML part —
nothing is inflated in full — so a refusal costs milliseconds and a few kilobytes.

openpyxl parses with defusedxml once it is installed (requirements.txt), which forbids entity
declarations; the DOCTYPE scan below refuses them earlier with a clear message.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

from django.utils.translation import gettext as _

from staff.lib.text import bilingual

MAX_UPLOAD_BYTES = 20 * 1024 * 1024  # 20 MB: a 50,000-row staff file is about 3 MB
MAX_ZIP_ENTRIES = 500
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
MAX_COMPRESSION_RATIO = 200  # per entry; sheet XML compresses ~10–30×, bombs 1000×
XML_SNIFF_BYTES = 4096

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # CFB: encrypted OOXML and old .xls
ZIP_MAGIC = b"PK\x03\x04"
ALLOWED_SUFFIXES = (".xlsx", ".csv")


class UnsafeFile(ValueError):
    """The file is refused before parsing; ``str()`` is the message for the user (vi — en)."""


@dataclass(frozen=True)
class Limits:
    max_bytes: int = MAX_UPLOAD_BYTES
    max_entries: int = MAX_ZIP_ENTRIES
    max_uncompressed: int = MAX_UNCOMPRESSED_BYTES
    max_ratio: int = MAX_COMPRESSION_RATIO


def _refuse(vi: str, en: str) -> UnsafeFile:
    return UnsafeFile(bilingual(vi, en))


def file_kind(filename: str, data: bytes) -> str:
    """ "xlsx" or "csv", judged by the name AND the content; anything else is refused."""
    name = (filename or "").lower()
    if name.endswith((".xlsm", ".xltm", ".xlam")):
        raise _refuse(
            _("Không nhận tệp có macro (.xlsm)."), "Macro-enabled workbooks are not accepted."
        )
    if data.startswith(OLE_MAGIC):
        raise _refuse(
            _("Tệp được mã hóa bằng mật khẩu hoặc là định dạng .xls cũ; hãy lưu lại thành .xlsx."),
            "The file is password-encrypted or an old .xls; save it as .xlsx.",
        )
    if name.endswith(".xlsx"):
        if not data.startswith(ZIP_MAGIC):
            raise _refuse(
                _("Tệp .xlsx bị hỏng hoặc không phải bảng tính Excel."),
                "The .xlsx file is damaged or not an Excel workbook.",
            )
        return "xlsx"
    if name.endswith(".csv"):
        if data.startswith(ZIP_MAGIC) or b"\x00" in data[:XML_SNIFF_BYTES]:
            raise _refuse(_("Tệp .csv không phải văn bản."), "The .csv file is not plain text.")
        return "csv"
    raise _refuse(_("Chỉ nhận tệp .xlsx hoặc .csv."), "Only .xlsx and .csv files are accepted.")


def check_upload(data: bytes, filename: str, limits: Limits | None = None) -> str:
    """Raise ``UnsafeFile`` unless the upload may be parsed; return its kind."""
    limits = limits or Limits()
    if not data:
        raise _refuse(_("Tệp rỗng."), "The file is empty.")
    if len(data) > limits.max_bytes:
        raise _refuse(
            _("Tệp lớn hơn giới hạn %(mb)d MB.") % {"mb": limits.max_bytes // (1024 * 1024)},
            f"The file is larger than {limits.max_bytes // (1024 * 1024)} MB.",
        )
    kind = file_kind(filename, data)
    if kind == "xlsx":
        check_xlsx(data, limits)
    return kind


def check_xlsx(data: bytes, limits: Limits) -> None:
    """Central directory only: entry count, declared sizes, ratios, macros, DOCTYPEs."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise _refuse(
            _("Tệp .xlsx bị hỏng (không đọc được cấu trúc zip)."),
            "The .xlsx file is damaged (unreadable zip structure).",
        ) from exc
    with zf:
        infos = zf.infolist()
        if len(infos) > limits.max_entries:
            raise _refuse(
                _("Tệp .xlsx có quá nhiều thành phần (%(n)d).") % {"n": len(infos)},
                f"The .xlsx file has too many parts ({len(infos)}).",
            )
        total = 0
        for info in infos:
            name = info.filename.lower()
            if name.endswith("vbaproject.bin") or (name.endswith(".bin") and "vba" in name):
                raise _refuse(
                    _("Không nhận tệp có macro (vbaProject.bin)."),
                    "Workbooks containing macros (vbaProject.bin) are not accepted.",
                )
            if info.flag_bits & 0x1:
                raise _refuse(_("Tệp .xlsx được mã hóa."), "The .xlsx file is encrypted.")
            total += info.file_size
            ratio_too_high = (
                info.file_size > 1024 * 1024
                and info.file_size > limits.max_ratio * max(info.compress_size, 1)
            )
            if total > limits.max_uncompressed or ratio_too_high:
                raise _refuse(
                    _("Tệp .xlsx giải nén quá lớn (nghi là “bom zip”)."),
                    "The .xlsx file inflates too much (suspected zip bomb).",
                )
        names = {i.filename for i in infos}
        if "[Content_Types].xml" not in names:
            raise _refuse(
                _("Tệp .xlsx bị hỏng hoặc không phải bảng tính Excel."),
                "The .xlsx file is damaged or not an Excel workbook.",
            )
        for info in infos:
            if not info.filename.lower().endswith((".xml", ".rels", ".vml")):
                continue
            try:
                with zf.open(info) as part:
                    head = part.read(XML_SNIFF_BYTES)
            except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
                raise _refuse(_("Tệp .xlsx bị hỏng."), "The .xlsx file is damaged.") from exc
            if b"<!DOCTYPE" in head.upper() or b"<!ENTITY" in head.upper():
                raise _refuse(
                    _("Tệp .xlsx chứa khai báo thực thể XML (DOCTYPE/ENTITY) không được phép."),
                    "The .xlsx file declares XML entities (DOCTYPE/ENTITY), which are refused.",
                )

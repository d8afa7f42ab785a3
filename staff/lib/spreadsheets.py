"""Spreadsheet safety and header matching, shared by every import and export.

A cell that a spreadsheet would read as a formula (starting with ``= + - @``, a tab or a
carriage return) is written with a leading apostrophe: a staff name such as
``=HYPERLINK(...)`` must arrive as text, never run (CSV/formula injection, OWASP). Headers of
the province's files are matched folded (case, diacritics, spaces, a trailing ``:`` or ``*``),
so "  MÃ  cán bộ:" finds the column "Mã cán bộ".
"""

from __future__ import annotations

import re
from typing import Any

from staff.names import normalize_query

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

_SPACE = re.compile(r"[\s_]+")


def neutralise(value: Any) -> Any:
    """Prefix text that a spreadsheet would evaluate with an apostrophe (exports only)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def fold_header(text: object) -> str:
    """ "  MÃ  cán bộ\u00a0" → "ma can bo"; also ignores a trailing colon or asterisk."""
    folded = normalize_query(str(text) if text is not None else "")
    return _SPACE.sub(" ", folded.strip(" :*")).strip()

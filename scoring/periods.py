"""Rating periods as the rules see them: a month ``2026-10``, a quarter ``2026-Q4`` or a year
``2026``. Pure functions, no ORM: the engine, the simulator and the workflow share them."""

from __future__ import annotations

import re
from dataclasses import dataclass

from scoring.rules import PeriodKind

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
_YEAR = re.compile(r"^(\d{4})$")


_MONTH_NAMES_EN = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


class PeriodFormatError(ValueError):
    """The text is not a period label; the message says which forms are accepted."""


@dataclass(frozen=True, slots=True, order=True)
class Period:
    """One rating period. ``index`` is the month (1–12), the quarter (1–4) or 0 for a year."""

    year: int
    kind: PeriodKind
    index: int = 0

    @property
    def label(self) -> str:
        if self.kind is PeriodKind.MONTH:
            return f"{self.year:04d}-{self.index:02d}"
        if self.kind is PeriodKind.QUARTER:
            return f"{self.year:04d}-Q{self.index}"
        return f"{self.year:04d}"

    @property
    def month_labels(self) -> tuple[str, ...]:
        """The labels of the months this period is made of (itself for a month)."""
        if self.kind is PeriodKind.MONTH:
            return (self.label,)
        if self.kind is PeriodKind.QUARTER:
            first = (self.index - 1) * 3 + 1
            return tuple(f"{self.year:04d}-{m:02d}" for m in range(first, first + 3))
        return tuple(f"{self.year:04d}-{m:02d}" for m in range(1, 13))

    @property
    def quarter_labels(self) -> tuple[str, ...]:
        """The labels of the quarters this period is made of: a year's four, a quarter itself,
        none for a month (a month is part of a quarter, not made of one)."""
        if self.kind is PeriodKind.YEAR:
            return tuple(f"{self.year:04d}-Q{q}" for q in range(1, 5))
        if self.kind is PeriodKind.QUARTER:
            return (self.label,)
        return ()

    def tracked_labels(self, cycle: PeriodKind) -> tuple[str, ...]:
        """The labels of the tracked periods of a ``cycle`` (month or quarter) inside this one:
        what a quarter or year under that cycle is the mean of (DOMAIN.md §5)."""
        return self.quarter_labels if cycle is PeriodKind.QUARTER else self.month_labels

    @property
    def months(self) -> int:
        """How many months the period spans: 1, 3 or 12."""
        return len(self.month_labels)

    def title(self, language: str = "vi") -> str:
        """The period as a page names it: "Tháng 10/2026", "Quý 1/2026", "Năm 2026"; in
        English "October 2026", "Q1 2026", "Year 2026". ``label`` stays the form of record."""
        english = language.startswith("en")
        if self.kind is PeriodKind.MONTH:
            if english:
                return f"{_MONTH_NAMES_EN[self.index - 1]} {self.year}"
            return f"Tháng {self.index}/{self.year}"
        if self.kind is PeriodKind.QUARTER:
            return f"Q{self.index} {self.year}" if english else f"Quý {self.index}/{self.year}"
        return f"Year {self.year}" if english else f"Năm {self.year}"

    def __str__(self) -> str:
        return self.label


def parse_period(text: str) -> Period:
    """Parse ``YYYY-MM``, ``YYYY-Qn`` or ``YYYY``; raise PeriodFormatError otherwise."""
    if not isinstance(text, str):
        raise PeriodFormatError("period must be a string")
    if match := _MONTH.match(text):
        year, month = int(match[1]), int(match[2])
        if not 1 <= month <= 12:
            raise PeriodFormatError(f"month {month} is not between 01 and 12")
        return Period(year, PeriodKind.MONTH, month)
    if match := _QUARTER.match(text):
        return Period(int(match[1]), PeriodKind.QUARTER, int(match[2]))
    if match := _YEAR.match(text):
        return Period(int(match[1]), PeriodKind.YEAR, 0)
    raise PeriodFormatError("expected YYYY-MM, YYYY-Qn or YYYY")

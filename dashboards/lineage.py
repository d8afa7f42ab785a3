"""The dashboards follow an agency's lineage (DOMAIN.md §1: "keep past periods' results attached
to the agency as it was then, and let the successor's trends and rankings follow the lineage").

History never moves: a merged agency's evaluations and closed-period snapshots stay its own. What
follows the lineage is how a successor is *read* over months before its succession — its 12-month
trend, its ranking's previous position and a quarter or year that spans the change (the PAR
feed): for such a month the successor stands for itself and every agency merged into it, their
indicators combined as each indicator is defined (``combine``).

The rules applied here:

- **The map of a period is the one at its end.** A period is read with the successions in force
  on its last day; a month takes a predecessor's figures when it began before the succession
  date. A succession can only be recorded with a date after every closed period
  (``evaluation.receivers.refuse_dates_in_closed_periods``), so nothing read of a closed period
  changes when a restructuring is recorded later.
- **A split is not combined.** A split agency's figures are those of the whole agency; nothing
  stored says which part of them each new agency inherited (snapshots are per agency, not per
  unit). Its parts show nothing of it before the split and say so; its history stays on its own
  dashboard. An agency with a single successor (a merger, or a "split" that gave every unit to
  one agency) went whole and is combined.

Every succession of the province is read in one query (``lineage_read``); the table holds a row
per merged or split agency, a few hundred at most, and walking it in Python keeps the pages'
query counts independent of the number and depth of predecessors.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd
from django.utils.translation import gettext as _

from dashboards.frames import COLUMNS, LEVELS
from scoring.periods import parse_period
from staff.lib.text import join_names
from staff.models import AgencySuccession


@dataclass(frozen=True)
class Succession:
    """``predecessor`` became (part of) ``successor`` on ``effective_on``."""

    predecessor_id: int
    predecessor_code: str
    predecessor_name: str
    successor_id: int
    successor_code: str
    successor_name: str
    successor_type: str
    effective_on: dt.date
    split: bool  # the predecessor went to several agencies: its figures are not combined

    def applies(self, *, starts_on: dt.date, as_of: dt.date) -> bool:
        """On the map at ``as_of``, does a month starting ``starts_on`` take the predecessor's
        figures?"""
        return not self.split and self.effective_on <= as_of and starts_on < self.effective_on


@dataclass(frozen=True)
class Note:
    """One sentence of an agency's lineage: ``kind`` is ``includes`` (merged into it before
    ``on``), ``split_from`` (it came out of a split), ``merged_into`` or ``split_into`` (what
    an ended agency became)."""

    kind: str
    on: dt.date
    agencies: tuple[tuple[str, str], ...]  # (code, name), for the links

    @property
    def names(self) -> list[str]:
        return [name for _code, name in self.agencies]


class Lineage:
    """Every succession, indexed both ways."""

    def __init__(self, successions: Iterable[Succession]) -> None:
        self.successions = list(successions)
        self.into: dict[int, list[Succession]] = {}
        self.out: dict[int, list[Succession]] = {}
        self.ids: dict[str, int] = {}
        for s in self.successions:
            self.into.setdefault(s.successor_id, []).append(s)
            self.out.setdefault(s.predecessor_id, []).append(s)
            self.ids[s.predecessor_code] = s.predecessor_id
            self.ids[s.successor_code] = s.successor_id
        for rows in self.into.values():
            rows.sort(key=lambda s: (-s.effective_on.toordinal(), s.predecessor_code))

    def __bool__(self) -> bool:
        return bool(self.successions)

    def members(self, agency_id: int, *, starts_on: dt.date, as_of: dt.date) -> list[int]:
        """The agencies whose figures for the month starting ``starts_on`` make up
        ``agency_id``'s on the map at ``as_of``: itself first, then its predecessors, nearest
        first (through earlier mergers too)."""
        found = [agency_id]
        seen = {agency_id}
        frontier = [agency_id]
        while frontier:
            following = []
            for current in frontier:
                for s in self.into.get(current, []):
                    if s.predecessor_id in seen or not s.applies(starts_on=starts_on, as_of=as_of):
                        continue
                    seen.add(s.predecessor_id)
                    found.append(s.predecessor_id)
                    following.append(s.predecessor_id)
            frontier = following
        return found

    def heir(self, agency_id: int, *, starts_on: dt.date, as_of: dt.date) -> Succession | None:
        """The last succession of the chain ``agency_id`` was merged along, for the month
        starting ``starts_on`` on the map at ``as_of`` (None: it stands for itself)."""
        last = None
        seen = {agency_id}
        current = agency_id
        while True:
            step = next(
                (
                    s
                    for s in self.out.get(current, [])
                    if s.applies(starts_on=starts_on, as_of=as_of)
                ),
                None,
            )
            if step is None or step.successor_id in seen:
                return last
            last, current = step, step.successor_id
            seen.add(current)

    def notes(self, agency_id: int, *, as_of: dt.date, since: dt.date | None = None) -> list[Note]:
        """What the agency's figures include on the map at ``as_of``, nearest first: the
        agencies merged into it (directly or through earlier mergers), grouped by date, and the
        agency it was split from. Only successions after ``since``: older ones no longer reach
        the months shown."""
        notes: list[Note] = []
        by_date: dict[dt.date, list[Succession]] = {}
        seen = {agency_id}
        frontier = [agency_id]
        while frontier:
            following = []
            for current in frontier:
                for s in self.into.get(current, []):
                    if s.predecessor_id in seen or s.effective_on > as_of:
                        continue
                    if since is not None and s.effective_on <= since:
                        continue
                    seen.add(s.predecessor_id)
                    if s.split:
                        if current == agency_id:
                            notes.append(Note("split_from", s.effective_on, _agency_of(s)))
                        continue
                    by_date.setdefault(s.effective_on, []).append(s)
                    following.append(s.predecessor_id)
            frontier = following
        for on, rows in by_date.items():
            rows = sorted(rows, key=lambda s: s.predecessor_code)
            notes.append(Note("includes", on, tuple(a for s in rows for a in _agency_of(s))))
        return sorted(notes, key=lambda n: (-n.on.toordinal(), n.kind))

    def fate(self, agency_id: int) -> Note | None:
        """What an ended agency became (merged into one agency, or split into several)."""
        became = sorted(self.out.get(agency_id, []), key=lambda s: s.successor_code)
        if not became:
            return None
        targets = tuple((s.successor_code, s.successor_name) for s in became)
        kind = "split_into" if became[0].split else "merged_into"
        return Note(kind, became[0].effective_on, targets)

    def restate(self, frame: pd.DataFrame, *, starts_on: dt.date, as_of: dt.date) -> pd.DataFrame:
        """One month's indicators (a frame of ``COLUMNS``, one row per agency) on the map at
        ``as_of``: every merged agency's row joins its successor's, combined (``combine``). The
        frame comes back untouched when no succession applies to the month."""
        if not self or frame.empty:
            return frame
        heirs = {}
        for code in frame["agency"]:
            agency_id = self.ids.get(code)
            heir = (
                None
                if agency_id is None
                else self.heir(agency_id, starts_on=starts_on, as_of=as_of)
            )
            if heir is not None:
                heirs[code] = heir
        if not heirs:
            return frame
        groups: dict[str, list[dict]] = {}
        identity: dict[str, dict] = {}
        for row in frame.to_dict(orient="records"):
            heir = heirs.get(row["agency"])
            code = heir.successor_code if heir is not None else row["agency"]
            groups.setdefault(code, []).append(row)
            if heir is None:
                identity[code] = {k: row[k] for k in ("agency", "agency_name", "agency_type")}
            else:
                identity.setdefault(
                    code,
                    {
                        "agency": heir.successor_code,
                        "agency_name": heir.successor_name,
                        "agency_type": heir.successor_type,
                    },
                )
        # The successor's own row first, so that a lone row keeps its exact figures.
        rows = [
            combine(sorted(group, key=lambda r: r["agency"] != code), identity[code])
            for code, group in groups.items()
        ]
        return pd.DataFrame.from_records(rows, columns=list(COLUMNS)).sort_values(
            "agency", ignore_index=True
        )


def _agency_of(s: Succession) -> tuple[tuple[str, str], ...]:
    return ((s.predecessor_code, s.predecessor_name),)


def lineage_read() -> Lineage:
    """Every succession of the province (one query)."""
    rows = list(
        AgencySuccession.objects.order_by("effective_on", "id").values_list(
            "predecessor_id",
            "predecessor__code",
            "predecessor__name",
            "successor_id",
            "successor__code",
            "successor__name",
            "successor__agency_type__code",
            "effective_on",
        )
    )
    successors: dict[int, set[int]] = {}
    for row in rows:
        successors.setdefault(row[0], set()).add(row[3])
    return Lineage(Succession(*row, split=len(successors[row[0]]) > 1) for row in rows)


def label_ends_on(label: str) -> dt.date:
    """The last day of a month, quarter or year label: the day whose map the period is read on."""
    last = parse_period(label).month_labels[-1]
    year, month = int(last[:4]), int(last[5:7])
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def label_starts_on(label: str) -> dt.date:
    first = parse_period(label).month_labels[0]
    return dt.date(int(first[:4]), int(first[5:7]), 1)


# --- combining one month's indicators of several agencies -------------------------------------

COUNTS = (
    "headcount",
    "rated",
    *LEVELS,
    "exceptions",
    "warnings",
    "appeals",
    "appeals_revised",
)
# Share of the headcount: the count is share × headcount, summed, over the summed headcount.
HEADCOUNT_SHARES = (
    "self_on_time_pct",
    "manager_on_time_pct",
    "approval_on_time_pct",
    "published_on_time_pct",
)


def _number(value) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def _ratio(top: float, bottom: float) -> float | None:
    return top / bottom if bottom else None


def combine(rows: list[dict], identity: dict | None = None) -> dict:
    """One month's indicator rows of several agencies as the one agency they make up
    (DOMAIN.md §8, the columns of ``frames.COLUMNS``):

    - counts add up (headcount, rated, the four levels, exceptions, warnings, appeals);
    - shares are recomputed from the summed counts: the on-time shares and ``evaluated_pct``
      over the headcount, ``top_share`` over the rated, ``excellent_per_good`` over HTTNV;
    - ``mean_score`` is the mean weighted by the numbers rated, ``score_spread`` the pooled
      (population) standard deviation from each part's count, mean and spread: both exact, as
      they are taken over the signed evaluations and signing sets each one's score and level;
    - ``manager_self_gap`` cannot be combined exactly (its divisor, the evaluations both the
      person and the manager scored, is not stored): it is **weighted by headcount**;
    - ``top_share_within`` is 1 only when every part stayed within its quota (each agency had
      its own quota: they are not pooled after the fact).

    Empty rows are left out; a single row comes back as it is (with ``identity``, the
    successor's code, name and type, laid over it)."""
    rows = [r for r in rows if r]
    identity = identity or {}
    if not rows:
        return {}
    if len(rows) == 1:
        return {**rows[0], **identity}
    out: dict = {column: None for column in COLUMNS}
    out.update({k: rows[0].get(k) for k in ("agency", "agency_name", "agency_type")})
    out.update(identity)
    for column in COUNTS:
        out[column] = int(sum(_number(r.get(column)) or 0 for r in rows))
    heads = [_number(r.get("headcount")) or 0 for r in rows]
    headcount = float(out["headcount"])
    for column in HEADCOUNT_SHARES:
        done = sum(
            round((_number(r.get(column)) or 0) * n) for r, n in zip(rows, heads, strict=True)
        )
        out[column] = _ratio(done, headcount)
    out["evaluated_pct"] = _ratio(out["rated"], headcount)
    out["top_share"] = _ratio(out["HTXSNV"], out["rated"])
    out["excellent_per_good"] = _ratio(out["HTXSNV"], out["HTTNV"])
    out["mean_score"], out["score_spread"] = _pooled(rows)
    gaps = [(_number(r.get("manager_self_gap")), n) for r, n in zip(rows, heads, strict=True) if n]
    gaps = [(g, n) for g, n in gaps if g is not None]
    weight = sum(n for _g, n in gaps)
    out["manager_self_gap"] = _ratio(sum(g * n for g, n in gaps), weight)
    within = [_number(r.get("top_share_within")) for r in rows]
    within = [w for w in within if w is not None]
    out["top_share_within"] = min(within) if within else None
    return out


def _pooled(rows: list[dict]) -> tuple[float | None, float | None]:
    """Mean and population standard deviation of the union of the parts' signed scores."""
    parts = []
    for r in rows:
        n, mean = _number(r.get("rated")) or 0, _number(r.get("mean_score"))
        if n and mean is not None:
            parts.append((n, mean, _number(r.get("score_spread"))))
    total = sum(n for n, _m, _s in parts)
    if not total:
        return None, None
    mean = sum(n * m for n, m, _s in parts) / total
    if any(s is None for _n, _m, s in parts):
        return mean, None
    second = sum(n * (s * s + m * m) for n, m, s in parts) / total
    return mean, math.sqrt(max(second - mean * mean, 0.0))


# --- what the page says -----------------------------------------------------------------------


def note_text(note: Note) -> str:
    """The note as a sentence in the active language: "gồm Sở A và Sở B trước 01/03/2026"."""
    values = {"names": join_names(note.names), "date": note.on.strftime("%d/%m/%Y")}
    if note.kind == "includes":
        return _("gồm %(names)s trước %(date)s") % values
    if note.kind == "split_from":
        return _("tách từ %(names)s từ %(date)s; các tháng trước thuộc %(names)s") % values
    if note.kind == "merged_into":
        return _("đã sáp nhập vào %(names)s từ %(date)s") % values
    return _("đã tách thành %(names)s từ %(date)s") % values

"""Dashboard pages: the agency dashboard, the provincial ranking, the PAR-index feed, and the
background export jobs behind large downloads.

Who sees what (DOMAIN.md §8), resolved once per request by ``scope_for``:

- agency dashboard: the head, the delegate and the HR officer of that agency; the province
  admin and the inspector for any agency. Any other agency is a 404 (never confirm it exists).
- ranking: the province admin and the inspector; heads, delegates and HR read it (drill-down
  only to their own agency). Anyone else: 403.
- PAR feed: the province admin and the inspector. Anyone else: 403.

Every table downloads with ``?download=csv|xlsx`` (``&table=`` on the agency dashboard); a table
longer than ``DASHBOARD_EXPORT_INLINE_ROWS`` (default 5,000) becomes an ``ExportJob``.

The dashboards read from the read replica when one is configured (``reads_from_replica``,
config/db_router.py); creating an export job pins the rest of that request to the primary. The
job's own pages read the primary: the job was written a moment ago.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from dashboards import agency_ratings, charts, selectors
from dashboards.exports import to_csv, to_xlsx
from dashboards.lineage import label_starts_on, lineage_read
from dashboards.models import ExportJob, ExportStatus, ParSubCriterion, RankingWeight
from dashboards.par import par_feed
from dashboards.rankings import ranking, ranking_lineage
from dashboards.tables import AGENCY_TABLES, Table, build_table, from_frame, heat_frame
from dashboards.tasks import run_export
from evaluation.errors import WorkflowError
from evaluation.models import Period
from evaluation.selectors.periods import period_from_param, period_param, several_rulesets
from evaluation.services.agency_rating import agency_bands, agency_rating_record
from evaluation.views.common import errors_by_field
from scoring.periods import PeriodFormatError, parse_period
from staff.access import Scope, scope_for
from staff.lib.replica import reads_from_replica
from staff.models import Agency, AgencyType

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
HEAT_STEPS = 10


def inline_limit() -> int:
    return int(getattr(settings, "DASHBOARD_EXPORT_INLINE_ROWS", 5000))


def _download(request: HttpRequest, spec: dict[str, Any], table: Table | None = None):
    """The file for ``?download=csv|xlsx``; a background job when the table is long; None when
    no download was asked for."""
    fmt = request.GET.get("download", "")
    if fmt not in FORMATS:
        return None
    table = table if table is not None else build_table(spec)
    if len(table) > inline_limit():
        job = ExportJob.objects.create(
            user=request.user, spec=spec, fmt=fmt, title=table.name, rows=len(table)
        )
        run_export.delay(str(job.pk))
        return redirect("dashboards:export-job", pk=job.pk)
    if fmt == "csv":
        body = to_csv(table.records, table.columns, table.headers)
    else:
        body = to_xlsx(table.records, table.columns, table.headers, title=table.name)
    response = HttpResponse(body, content_type=FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{table.name}.{fmt}"'
    return response


def _agency_or_404(scope: Scope, code: str) -> Agency:
    agency = Agency.objects.select_related("agency_type").filter(code=code).first()
    if agency is None or not scope.reads_agency_results(agency.pk):
        raise Http404
    return agency


def _pick(periods: list[Period], value: str | None) -> Period | None:
    """The month ``value`` names (a label, or ``CODE:label`` when the agency holds several rule
    sets' months), else the newest."""
    return period_from_param(periods, value) or (periods[0] if periods else None)


@login_required
@reads_from_replica()
def index(request: HttpRequest) -> HttpResponse:
    """Province staff land on the ranking; agency leaders and HR on their own dashboard."""
    scope = scope_for(request.user)
    if scope.sees_all:
        return redirect("dashboards:ranking")
    if scope.agency_ids:
        code = Agency.objects.filter(pk__in=sorted(scope.agency_ids)).order_by("code")[0].code
        return redirect("dashboards:agency", code=code)
    raise PermissionDenied(_("Chỉ lãnh đạo cơ quan, tổ chức cán bộ và Sở Nội vụ xem chỉ số."))


@login_required
@reads_from_replica()
def agency_dashboard(request: HttpRequest, code: str) -> HttpResponse:
    scope = scope_for(request.user)
    agency = _agency_or_404(scope, code)
    # Every rule set's months (công chức and viên chức may be rated under two in one month);
    # an agency that has ended (merged, split) keeps its dashboard for the months it had.
    periods = selectors.agency_month_periods(agency=agency, until=agency.valid_to)
    period = _pick(periods, request.GET.get("period"))
    context: dict[str, Any] = {
        "agency": agency,
        "periods": periods,
        "period": period,
        "show_par": scope.sees_all,
        "links": scope.sees_all,  # the agencies of its lineage: the province reads them all
        "several_rulesets": several_rulesets(periods),
        "query": urlencode({"period": period_param(period, periods)}) if period else "",
    }
    if period is None:
        return render(request, "dashboards/agency.html", context)
    if request.GET.get("download"):
        table = request.GET.get("table", "")
        if table not in AGENCY_TABLES:
            raise Http404
        spec = {
            "kind": "agency",
            "ruleset": period.ruleset.code,
            "agency": agency.code,
            "period": period.label,
            "table": table,
        }
        return _download(request, spec)

    row = selectors.agency_indicators(period=period, agency=agency)
    # The agency's own rating of the year (read-only here; the province records it).
    context["agency_ratings"] = agency_ratings.agency_ratings_of_year(
        agency=agency, year=period.year
    )
    context["rating_link"] = scope.sees_all
    # The official results list of the month: one per rule set's period (DOMAIN.md §5).
    context["official_lists"] = [
        (p, period_param(p, periods)) for p in periods if p.label == period.label
    ]
    units = selectors.levels_by_unit(period=period, agency=agency)
    lineage = lineage_read()
    trend = selectors.trend_frame(period=period, agency=agency, current=row, lineage=lineage)
    funnel = selectors.funnel_frame(period=period, agency=agency)
    bins = selectors.score_bins(period=period, agency=agency)
    pairs = selectors.scatter_pairs(period=period, agency=agency)
    context.update(
        cards=selectors.cards(row),
        has_data=bool(row),
        units=units.to_dict(orient="records"),
        funnel=[{**r, "name": charts.stage_names()[r["stage"]]} for r in funnel.to_dict("records")],
        warnings=selectors.warnings_list(period=period, agency=agency),
        persons_count=int(pairs["people"].sum()) if len(pairs) else 0,
        lineage=selectors.agency_lineage(
            period=period,
            agency=agency,
            lineage=lineage,
            since=label_starts_on(trend["period"].iloc[0]) if len(trend) else None,
        ),
        figures={
            "units": charts.levels_by_unit(units),
            "trend": charts.trend(trend),
            "funnel": charts.funnel(funnel),
            "scores": charts.score_histogram(bins),
            "scatter": charts.manager_vs_self(pairs),
        },
        tables=[
            ("indicators", _("Chỉ số của cơ quan")),
            ("units", _("Xếp loại theo đơn vị")),
            ("trend", _("Diễn biến 12 tháng")),
            ("funnel", _("Tiến độ các bước")),
            ("scores", _("Phân bố điểm")),
            ("persons", _("Điểm từng người (tự chấm, quản lý chấm)")),
            ("warnings", _("Cảnh báo sớm")),
        ],
    )
    return render(request, "dashboards/agency.html", context)


def _period_choices(periods: list[Period]) -> list[str]:
    months = [p.label for p in periods]
    quarters = sorted({f"{p.year:04d}-Q{(p.index - 1) // 3 + 1}" for p in periods}, reverse=True)
    years = sorted({f"{p.year:04d}" for p in periods}, reverse=True)
    return months + quarters + years


def _valid_label(label: str | None, choices: list[str]) -> str | None:
    if label in choices:
        try:
            parse_period(label)
            return label
        except PeriodFormatError:
            pass
    return choices[0] if choices else None


@login_required
@reads_from_replica()
def ranking_page(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    if not scope.reads_indicators():
        raise PermissionDenied(_("Chỉ lãnh đạo cơ quan và Sở Nội vụ xem bảng xếp hạng."))
    # One ranking per rule set: công chức (ND335-2025) first; the others on request.
    rulesets = selectors.ranking_ruleset_codes() or [selectors.civil_servant_ruleset_code()]
    wanted = request.GET.get("ruleset", "")
    ruleset_code = wanted if wanted in rulesets else rulesets[0]
    periods = selectors.month_periods(ruleset_code=ruleset_code)
    choices = _period_choices(periods)
    label = _valid_label(request.GET.get("period"), choices)
    types = list(AgencyType.objects.all())
    agency_type = request.GET.get("type", "")
    if agency_type not in {t.code for t in types}:
        agency_type = ""
    context: dict[str, Any] = {
        "choices": choices,
        "label": label,
        "types": types,
        "agency_type": agency_type,
        "is_admin": scope.is_province_admin(),
        "show_par": scope.sees_all,
        "rulesets": rulesets,
        "ruleset": ruleset_code,
        "query": urlencode(
            {"period": label or "", "type": agency_type}
            | ({"ruleset": ruleset_code} if ruleset_code != rulesets[0] else {})
        ),
    }
    if label is None:
        return render(request, "dashboards/ranking.html", context)
    table_name = request.GET.get("table", "ranking")
    spec = {
        "kind": "heat" if table_name == "heat" else "ranking",
        "ruleset": ruleset_code,
        "period": label,
        "type": agency_type,
    }
    lineage = lineage_read()
    frame = ranking(
        ruleset_code=ruleset_code,
        label=label,
        agency_type=agency_type or None,
        lineage=lineage,
    )
    heat = heat_frame(ruleset_code=ruleset_code, label=label, agency_type=agency_type or None)
    if request.GET.get("download"):
        table = (
            from_frame(f"xep-hang-{label}", agency_ratings.with_agency_ratings(frame, label))
            if spec["kind"] == "ranking"
            else (from_frame(f"bang-nhiet-{parse_period(label).year}", heat))
        )
        return _download(request, spec, table)
    if scope.sees_all:
        drill = None  # every agency
    else:
        drill = set(
            Agency.objects.filter(pk__in=sorted(scope.agency_ids)).values_list("code", flat=True)
        )
    month = label if parse_period(label).kind.value == "month" else None
    if month is not None:
        # The agency dashboard's address for this rule set's month (its label alone when
        # that names it).
        shown = next((p for p in periods if p.label == month), None)
        month = period_param(shown) if shown is not None else month
    notes = ranking_lineage(
        label=label, lineage=lineage, codes=list(frame["agency"]) if not frame.empty else []
    )
    ratings = agency_ratings.ratings_for_label(label)
    rows = []
    for record in frame.to_dict(orient="records") if not frame.empty else []:
        movement = record.get("movement")
        movement = None if movement is None or movement != movement else int(movement)
        rows.append(
            {
                **record,
                "movement": movement,
                "drill": drill is None or record["agency"] in drill,
                "lineage": notes.get(record["agency"], ""),
                "agency_rating": ratings.get(record["agency"]),
            }
        )
    months = [c for c in heat.columns if c not in ("agency_type", "agency", "agency_name")]
    heat_rows = [
        {
            "agency": r["agency"],
            "agency_name": r["agency_name"],
            "cells": [
                (r[m], None if r[m] != r[m] else min(int(r[m] // HEAT_STEPS), HEAT_STEPS - 1))
                for m in months
            ],
        }
        for r in heat.to_dict(orient="records")
    ]
    period = parse_period(label)
    context.update(
        rows=rows,
        rating_year=period.year,
        rating_quarter=period.index if period.kind.value == "quarter" else None,
        month=month,
        heat_months=months,
        heat_rows=heat_rows,
        weights=list(RankingWeight.objects.all()),
    )
    return render(request, "dashboards/ranking.html", context)


@login_required
@reads_from_replica()
def par_page(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    if not scope.sees_all:
        raise PermissionDenied(_("Chỉ Sở Nội vụ và thanh tra xem Chỉ số CCHC."))
    # The sub-criteria evidence the civil service: the months of the rule set rating công chức.
    ruleset_code = selectors.civil_servant_ruleset_code()
    years = sorted(
        {p.year for p in selectors.month_periods(ruleset_code=ruleset_code)}, reverse=True
    )
    year_text = request.GET.get("year", "")
    year = (
        int(year_text)
        if year_text.isdigit() and int(year_text) in years
        else (years[0] if years else None)
    )
    context: dict[str, Any] = {
        "years": years,
        "year": year,
        "show_par": True,
        "query": urlencode({"year": year or ""}),
    }
    if year is None:
        return render(request, "dashboards/par.html", context)
    spec = {"kind": "par", "ruleset": ruleset_code, "year": year}
    if request.GET.get("download"):
        return _download(request, spec)
    frame = par_feed(ruleset_code=ruleset_code, year=year)
    criteria = list(ParSubCriterion.objects.all())
    context.update(
        criteria=criteria,
        rows=[
            {**r, "points_by": [r.get(c.code) for c in criteria]}
            for r in (frame.to_dict(orient="records") if not frame.empty else [])
        ],
        whole=not frame.empty and "whole_index" in frame.columns,
    )
    return render(request, "dashboards/par.html", context)


def _rating_period(params: Any, years: list[int]) -> tuple[int | None, int | None]:
    year_text = params.get("year", "")
    year = int(year_text) if year_text.isdigit() and int(year_text) in years else None
    if year is None:
        year = years[0] if years else None
    quarter_text = params.get("quarter", "")
    quarter = int(quarter_text) if quarter_text in ("1", "2", "3", "4") else None
    return year, quarter


@login_required
def agency_ratings_page(request: HttpRequest) -> HttpResponse:
    """The agencies' own ratings of a year or a quarter (DOMAIN.md §8): each agency with the
    points proposed from its indicators and the rating recorded. The province admin (Sở Nội vụ)
    records or revises a rating here (second factor required); the inspector reads it; anyone
    else is refused."""
    scope = scope_for(request.user)
    if not scope.sees_all:
        raise PermissionDenied(_("Chỉ Sở Nội vụ và thanh tra xem xếp loại cơ quan."))
    params = request.POST if request.method == "POST" else request.GET
    ruleset_code = selectors.civil_servant_ruleset_code()
    years = sorted(
        {p.year for p in selectors.month_periods(ruleset_code=ruleset_code)}, reverse=True
    )
    year, quarter = _rating_period(params, years)
    is_admin = scope.is_province_admin()
    errors: dict[str, dict[str, list[dict[str, str]]]] = {}
    values: dict[str, dict[str, str]] = {}
    status = 200
    if request.method == "POST":
        if not is_admin or year is None:
            raise PermissionDenied(_("Chỉ Sở Nội vụ ghi kết quả xếp loại cơ quan."))
        code = request.POST.get("agency", "")
        agency = get_object_or_404(Agency, code=code)
        values[code] = {k: request.POST.get(k, "") for k in ("score", "reference", "reason")}
        try:
            agency_rating_record(
                agency=agency,
                year=year,
                quarter=quarter,
                score=values[code]["score"].strip().replace(",", "."),
                reference=values[code]["reference"],
                reason=values[code]["reason"],
                proposed_points=agency_ratings.proposed_points(
                    year=year, quarter=quarter, ruleset_code=ruleset_code
                ).get(code),
                user=request.user,
            )
        except WorkflowError as error:
            found = errors_by_field(error)
            found["general"] = found.pop("__all__", [])
            errors[code] = found
            status = error.status
        else:
            messages.success(
                request,
                _("Đã ghi xếp loại của %(agency)s.") % {"agency": agency.name},
            )
            query = urlencode({"year": year, "quarter": quarter or ""})
            return redirect(f"{reverse('dashboards:agency-ratings')}?{query}")
    context: dict[str, Any] = {
        "years": years,
        "year": year,
        "quarter": quarter,
        "quarters": [1, 2, 3, 4],
        "is_admin": is_admin,
        "show_par": True,
        "errors": errors,
        "values": values,
        "bands": agency_bands(),
        "method": agency_ratings.proposal_method(),
        "rows": (
            agency_ratings.rating_rows(year=year, quarter=quarter, ruleset_code=ruleset_code)
            if year
            else []
        ),
    }
    return render(request, "dashboards/agency_ratings.html", context, status=status)


@login_required
def export_job(request: HttpRequest, pk: str) -> HttpResponse:
    """Progress of a background export, and its file once done (only its owner sees it)."""
    job = get_object_or_404(ExportJob, pk=pk, user=request.user)
    return render(
        request,
        "dashboards/export_job.html",
        {"job": job, "running": job.status in (ExportStatus.PENDING, ExportStatus.RUNNING)},
    )


@login_required
def export_file(request: HttpRequest, pk: str) -> FileResponse:
    job = get_object_or_404(ExportJob, pk=pk, user=request.user, status=ExportStatus.DONE)
    name = f"{job.title}.{job.fmt}"
    return FileResponse(
        job.file.open("rb"), as_attachment=True, filename=name, content_type=FORMATS.get(job.fmt)
    )


def agency_url(code: str, period: str | None = None) -> str:
    url = reverse("dashboards:agency", kwargs={"code": code})
    return f"{url}?period={period}" if period else url

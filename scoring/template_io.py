"""Criteria templates to and from .xlsx, so that they can be written in a spreadsheet: the
province admin exports a version, edits it and imports it back as a NEW DRAFT version of the
same code — a published version is never touched (they are frozen; see ``scoring.models``).
The draft is then published in the admin as usual (``scoring.services.template_publish``
validates again).

The workbook has three sheets:

- “Tiêu chí”: one row per general criterion — group code, group names (vi/en), criterion code,
  names (vi/en), max points, guidance. Row order is the display order; a group is declared by
  its first row.
- “Thiết lập”: the template's settings as “Mục | Giá trị | Ghi chú” rows (code, names, task
  mode, task maximum, weights, deduction factors, bonus/deduction caps, total cap, leaders'
  unit share) and the optional “Tổng điểm tiêu chí chung”: when given, the criteria's max points
  must add up to it.
- “Cộng trừ điểm”: the bonus and deduction items — kind, code, names, points, max per period.
- “Điều kiện xếp loại” (only for a template with task mode “conditions”, Decree 90/48): one
  row per level condition — level (HTXSNV, HTTNV, HTNV), code, text (vi/en), whom it applies to
  (all, leaders, non_leaders). Such a template needs no criteria.

Every problem names the sheet, the spreadsheet row, the column and what is wrong, in
Vietnamese — English; one problem and nothing is written. Text that a spreadsheet would run as
a formula is exported with a leading apostrophe (``staff.lib.spreadsheets.neutralise``) and the
apostrophe is removed again on import, so a round trip is exact.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font

from scoring.models import (
    CONDITION_LEVEL_CHOICES,
    AdjustmentItem,
    AdjustmentKind,
    ConditionScopeChoice,
    CriteriaTemplate,
    Criterion,
    CriterionGroup,
    LevelCondition,
    Status,
    TaskModeChoice,
)
from scoring.rules import parse_component_steps
from staff import audit
from staff.access import scope_for
from staff.lib.spreadsheets import FORMULA_STARTS, fold_header, neutralise
from staff.lib.text import bilingual
from staff.lib.uploads import UnsafeFile, check_upload

SHEET_CRITERIA = "Tiêu chí"
SHEET_SETTINGS = "Thiết lập"
SHEET_ADJUSTMENTS = "Cộng trừ điểm"
SHEET_CONDITIONS = "Điều kiện xếp loại"

GROUP_CODE, GROUP_NAME, GROUP_NAME_EN = "Mã nhóm", "Tên nhóm", "Tên nhóm (tiếng Anh)"
CODE, NAME, NAME_EN = "Mã tiêu chí", "Tên tiêu chí", "Tên tiêu chí (tiếng Anh)"
MAX_POINTS, GUIDANCE = "Điểm tối đa", "Hướng dẫn chấm"
CRITERIA_HEADERS = (
    GROUP_CODE,
    GROUP_NAME,
    GROUP_NAME_EN,
    CODE,
    NAME,
    NAME_EN,
    MAX_POINTS,
    GUIDANCE,
)

KIND, ITEM_CODE, ITEM_NAME, ITEM_NAME_EN = "Loại", "Mã", "Tên", "Tên (tiếng Anh)"
POINTS, MAX_PER_PERIOD = "Số điểm mỗi lần", "Số lần tối đa mỗi kỳ"
ADJUSTMENT_HEADERS = (KIND, ITEM_CODE, ITEM_NAME, ITEM_NAME_EN, POINTS, MAX_PER_PERIOD)

LEVEL, CONDITION_CODE, CONDITION_TEXT = "Mức", "Mã điều kiện", "Nội dung điều kiện"
CONDITION_TEXT_EN, APPLIES_TO = "Nội dung (tiếng Anh)", "Áp dụng cho"
CONDITION_HEADERS = (LEVEL, CONDITION_CODE, CONDITION_TEXT, CONDITION_TEXT_EN, APPLIES_TO)

ITEM, VALUE, NOTE = "Mục", "Giá trị", "Ghi chú"
GENERAL_TOTAL = "Tổng điểm tiêu chí chung"
TEXT, DECIMAL, OPTIONAL_DECIMAL, CHOICE, INFO = "text", "decimal", "optional", "choice", "info"
BOOL = "bool"
YES_NO = ("có", "không")
_TRUE = {fold_header(v) for v in ("có", "co", "yes", "true", "1", "x")}
_FALSE = {fold_header(v) for v in ("không", "khong", "no", "false", "0", "")}


@dataclass(frozen=True)
class Setting:
    label: str
    field: str | None  # None: not a model field (the version, the declared general total)
    kind: str
    required: bool = False
    note: str = ""


SETTINGS = (
    Setting("Mã mẫu", "code", TEXT, True, "Mã chung của mọi phiên bản"),
    Setting("Tên mẫu", "name", TEXT, True),
    Setting("Tên mẫu (tiếng Anh)", "name_en", TEXT),
    Setting("Mô tả", "description", TEXT),
    Setting("Phiên bản", None, INFO, note="Chỉ để tham khảo: tệp nhập vào là một phiên bản mới"),
    Setting(
        "Cách chấm kết quả thực hiện nhiệm vụ",
        "task_mode",
        CHOICE,
        note="products, direct hoặc conditions",
    ),
    Setting("Điểm tối đa kết quả thực hiện nhiệm vụ", "task_max", DECIMAL),
    Setting("Trọng số số lượng", "weight_quantity", DECIMAL),
    Setting("Trọng số chất lượng", "weight_quality", DECIMAL),
    Setting("Trọng số tiến độ", "weight_progress", DECIMAL),
    Setting("Hệ số trừ mỗi lỗi lớn về nội dung", "error_deduction", DECIMAL, note="0–1"),
    Setting("Hệ số trừ mỗi lần chậm tiến độ", "delay_deduction", DECIMAL, note="0–1"),
    Setting("Điểm thưởng tối đa", "bonus_max", DECIMAL),
    Setting("Điểm trừ tối đa", "deduction_max", OPTIONAL_DECIMAL, note="Để trống: không giới hạn"),
    Setting("Tổng điểm tối đa", "total_cap", OPTIONAL_DECIMAL, note="Để trống: không giới hạn"),
    Setting(
        "Tỷ trọng kết quả đơn vị trong điểm nhiệm vụ của lãnh đạo",
        "leader_unit_share",
        DECIMAL,
        note="0–1; 0: không áp dụng",
    ),
    Setting(
        "Hệ số kết quả đơn vị khi có cấp dưới không hoàn thành nhiệm vụ",
        "unit_factor_if_khtnv",
        DECIMAL,
        note="0–1",
    ),
    Setting(
        GENERAL_TOTAL,
        None,
        OPTIONAL_DECIMAL,
        note="Nếu điền: tổng điểm tối đa các tiêu chí phải bằng số này",
    ),
    Setting(
        "Lãnh đạo: tính kết quả đơn vị, năng lực tổ chức và đoàn kết (Nghị định 335)",
        "leader_components",
        BOOL,
        note="có hoặc không",
    ),
    Setting("Trọng số kết quả đơn vị", "weight_unit", DECIMAL),
    Setting("Trọng số năng lực tổ chức triển khai", "weight_organising", DECIMAL),
    Setting("Trọng số năng lực tập hợp, đoàn kết", "weight_unity", DECIMAL),
    Setting(
        "Thang điểm năng lực tổ chức, đoàn kết (%)",
        "leader_component_steps",
        TEXT,
        note="Ví dụ 100,75,50,25,0; để trống: mọi giá trị từ 0 đến 100",
    ),
    Setting("Hướng dẫn chấm năng lực tổ chức triển khai", "organising_guidance", TEXT),
    Setting("Hướng dẫn chấm năng lực tập hợp, đoàn kết", "unity_guidance", TEXT),
)


@dataclass
class CellError:
    sheet: str
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        where = f"Trang “{self.sheet}”"
        if self.row:
            where += f", dòng {self.row}"
        if self.column:
            where += f", cột “{self.column}”"
        return f"{where}: {self.message}"


class TemplateFileInvalid(Exception):
    """The file cannot become a template version; ``errors`` says where and why."""

    def __init__(self, errors: list[CellError]):
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))


# --- export --------------------------------------------------------------------------------


def _bold_header(sheet, headers) -> None:
    sheet.append(list(headers))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"


def template_export_xlsx(*, template: CriteriaTemplate) -> bytes:
    """The version as a workbook that ``template_import`` reads back unchanged."""
    wb = Workbook()
    sheet = wb.active
    sheet.title = SHEET_CRITERIA
    _bold_header(sheet, CRITERIA_HEADERS)
    criteria = Criterion.objects.filter(template=template).select_related("group")
    criteria = criteria.order_by("group__order", "group__code", "order", "code")
    for c in criteria:
        sheet.append(
            [
                neutralise(v)
                for v in (
                    c.group.code,
                    c.group.name,
                    c.group.name_en,
                    c.code,
                    c.name,
                    c.name_en,
                    c.max_points,
                    c.guidance,
                )
            ]
        )
    for column, width in zip("ABCDEFGH", (10, 30, 30, 12, 50, 50, 12, 60), strict=True):
        sheet.column_dimensions[column].width = width

    settings = wb.create_sheet(SHEET_SETTINGS)
    _bold_header(settings, (ITEM, VALUE, NOTE))
    general_total = sum((c.max_points for c in criteria), Decimal(0))
    for s in SETTINGS:
        if s.field is not None:
            value = getattr(template, s.field)
            if s.kind == BOOL:
                value = YES_NO[0] if value else YES_NO[1]
        elif s.label == GENERAL_TOTAL:
            value = general_total
        else:
            value = template.version
        settings.append([s.label, neutralise(value), s.note])
    settings.column_dimensions["A"].width = 60
    settings.column_dimensions["B"].width = 40
    settings.column_dimensions["C"].width = 50

    items = wb.create_sheet(SHEET_ADJUSTMENTS)
    _bold_header(items, ADJUSTMENT_HEADERS)
    kind_label = dict(AdjustmentKind.choices)
    for item in AdjustmentItem.objects.filter(template=template).order_by("kind", "order", "code"):
        items.append(
            [
                str(kind_label[item.kind]),
                *(neutralise(v) for v in (item.code, item.name, item.name_en)),
                item.points,
                item.max_per_period,
            ]
        )
    for column, width in zip("ABCDEF", (14, 12, 50, 50, 14, 18), strict=True):
        items.column_dimensions[column].width = width

    if template.task_mode == TaskModeChoice.CONDITIONS:
        conditions = wb.create_sheet(SHEET_CONDITIONS)
        _bold_header(conditions, CONDITION_HEADERS)
        for c in LevelCondition.objects.filter(template=template).order_by("order", "code"):
            conditions.append(
                [neutralise(v) for v in (c.level, c.code, c.text, c.text_en, c.applies_to)]
            )
        for column, width in zip("ABCDE", (10, 14, 80, 80, 14), strict=True):
            conditions.column_dimensions[column].width = width
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


# --- import: reading -----------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    if text.startswith("'") and text[1:2] and text[1:2] in "".join(FORMULA_STARTS):
        text = text[1:]  # undo the export's neutralisation
    return text


def _number(value: Any) -> Decimal | None:
    """A Decimal from a cell (numbers, or text with a decimal comma); None when not a number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | Decimal):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    text = _text(value).replace(" ", "").replace(",", ".")
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


@dataclass
class _Sheet:
    name: str
    headers: dict[str, int] = field(default_factory=dict)  # header → column index
    rows: list[tuple[int, list[Any]]] = field(default_factory=list)
    present: bool = True

    def get(self, values: list[Any], header: str) -> Any:
        i = self.headers.get(header)
        return values[i] if i is not None and i < len(values) else None


def _read_sheet(wb, name: str, headers: tuple[str, ...], errors: list[CellError]) -> _Sheet:
    wanted = {fold_header(h): h for h in headers}
    ws = next((w for w in wb.worksheets if fold_header(w.title) == fold_header(name)), None)
    if ws is None:
        errors.append(CellError(name, 0, "", bilingual(_("Thiếu trang này"), "sheet missing")))
        return _Sheet(name, present=False)
    sheet = _Sheet(name)
    header_row = 0
    for number, values in enumerate(ws.iter_rows(values_only=True), start=1):
        values = list(values)
        if not header_row:
            found = {wanted[fold_header(v)]: i for i, v in enumerate(values) if fold_header(v)
                     in wanted}  # fmt: skip
            if len(found) >= 2:
                sheet.headers, header_row = found, number
            elif number >= 10:
                break
            continue
        if all(_text(v) == "" for v in values):
            continue
        sheet.rows.append((number, values))
    if not header_row:
        errors.append(
            CellError(
                name,
                0,
                "",
                bilingual(
                    _("Không tìm thấy dòng tiêu đề (%(headers)s)")
                    % {"headers": ", ".join(headers)},
                    "header row not found",
                ),
            )
        )
    return sheet


def _missing(sheet: _Sheet, row: int, column: str, errors: list[CellError]) -> None:
    errors.append(
        CellError(sheet.name, row, column, bilingual(_("Thiếu giá trị bắt buộc"), "missing value"))
    )


def _code(
    sheet: _Sheet,
    row: int,
    column: str,
    raw: Any,
    first_row: dict[str, int],
    errors: list[CellError],
    *,
    message: Any = None,
) -> str:
    """A row's code: required, and unique in its sheet (case-insensitive) — a repeat is named
    with the row that used it first. ``first_row`` remembers each code's first row."""
    code = _text(raw)
    if not code:
        _missing(sheet, row, column, errors)
    elif code.casefold() in first_row:
        duplicate = message or _("Mã “%(code)s” trùng với dòng %(row)s")
        errors.append(
            CellError(
                sheet.name,
                row,
                column,
                bilingual(
                    duplicate % {"code": code, "row": first_row[code.casefold()]},
                    "duplicate code",
                ),
            )
        )
    else:
        first_row[code.casefold()] = row
    return code


def _points(
    sheet: _Sheet, row: int, column: str, raw: Any, errors: list[CellError], *, required=True
) -> Decimal | None:
    if _text(raw) == "":
        if required:
            _missing(sheet, row, column, errors)
        return None
    number = _number(raw)
    if number is None:
        errors.append(
            CellError(
                sheet.name,
                row,
                column,
                bilingual(
                    _("“%(value)s” không phải là số") % {"value": _text(raw)}, "not a number"
                ),
            )
        )
    elif number < 0:
        errors.append(
            CellError(
                sheet.name,
                row,
                column,
                bilingual(_("Số điểm không được âm"), "must not be negative"),
            )
        )
        return None
    return number


def _field_errors(
    obj: Any, exclude: list[str], sheet: str, row: int, columns: dict[str, str], errors
) -> None:
    """The model's own field checks (lengths, decimal places, ranges), named by column."""
    try:
        obj.clean_fields(exclude=exclude)
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            for message in messages:
                errors.append(CellError(sheet, row, columns.get(name, name), message))


# --- import: the rules ---------------------------------------------------------------------


@dataclass
class _Parsed:
    header: dict[str, Any]
    groups: list[CriterionGroup]
    criteria: list[tuple[str, Criterion]]  # (group code, criterion)
    items: list[AdjustmentItem]
    setting_rows: dict[str, int]
    conditions: list[LevelCondition] = field(default_factory=list)


def _parse_settings(sheet: _Sheet, errors: list[CellError]) -> tuple[dict[str, Any], dict]:
    by_label = {fold_header(s.label): s for s in SETTINGS}
    values: dict[str, Any] = {}
    rows: dict[str, int] = {}
    declared: dict[str, Any] = {}
    for number, cells in sheet.rows:
        setting = by_label.get(fold_header(sheet.get(cells, ITEM)))
        if setting is None:
            continue
        raw = sheet.get(cells, VALUE)
        rows[setting.label] = number
        if setting.kind == INFO:
            continue
        if setting.kind == TEXT:
            text = _text(raw)
            if setting.required and not text:
                _missing(sheet, number, VALUE, errors)
            values[setting.field] = text
        elif setting.kind == CHOICE:
            choice = _choice(raw, TaskModeChoice)
            if choice is None:
                errors.append(
                    CellError(
                        sheet.name,
                        number,
                        VALUE,
                        bilingual(
                            _("Cách chấm không hợp lệ “%(value)s” (products hoặc direct)")
                            % {"value": _text(raw)},
                            "unknown task mode",
                        ),
                    )
                )
            else:
                values[setting.field] = choice
        elif setting.kind == BOOL:
            key = fold_header(_text(raw))
            if key in _TRUE or key in _FALSE:
                values[setting.field] = key in _TRUE
            else:
                errors.append(
                    CellError(
                        sheet.name,
                        number,
                        VALUE,
                        bilingual(
                            _("Giá trị không hợp lệ “%(value)s” (có hoặc không)")
                            % {"value": _text(raw)},
                            "expected yes or no",
                        ),
                    )
                )
        else:
            required = setting.kind == DECIMAL
            number_value = _points(sheet, number, VALUE, raw, errors, required=required)
            if setting.field is None:
                declared[setting.label] = number_value
            elif number_value is not None or not required:
                values[setting.field] = number_value
    for s in SETTINGS:
        if s.required and s.label not in rows and sheet.present:
            errors.append(
                CellError(
                    sheet.name,
                    0,
                    ITEM,
                    bilingual(
                        _("Thiếu dòng “%(label)s”") % {"label": s.label}, f"missing “{s.label}”"
                    ),
                )
            )
    return values, {"rows": rows, **declared}


def _choice(raw: Any, choices) -> str | None:
    key = fold_header(raw)
    for value, label in choices.choices:
        if key in (fold_header(value), fold_header(str(label))):
            return value
    return None


def _parse_conditions(sheet: _Sheet, errors: list[CellError]) -> list[LevelCondition]:
    """The level conditions (Decree 90/48): level, code (unique), text required."""
    conditions: list[LevelCondition] = []
    first_row: dict[str, int] = {}
    levels = {fold_header(code): code for code, _label in CONDITION_LEVEL_CHOICES}
    levels |= {fold_header(str(label)): code for code, label in CONDITION_LEVEL_CHOICES}
    for number, cells in sheet.rows:
        raw_level = _text(sheet.get(cells, LEVEL))
        level = levels.get(fold_header(raw_level))
        if not raw_level:
            _missing(sheet, number, LEVEL, errors)
        elif level is None:
            errors.append(
                CellError(
                    sheet.name,
                    number,
                    LEVEL,
                    bilingual(
                        _("Mức không hợp lệ “%(value)s” (HTXSNV, HTTNV hoặc HTNV)")
                        % {"value": raw_level},
                        "unknown level (HTXSNV, HTTNV or HTNV)",
                    ),
                )
            )
        code = _code(
            sheet, number, CONDITION_CODE, sheet.get(cells, CONDITION_CODE), first_row, errors
        )
        text = _text(sheet.get(cells, CONDITION_TEXT))
        if not text:
            _missing(sheet, number, CONDITION_TEXT, errors)
        raw_scope = _text(sheet.get(cells, APPLIES_TO))
        scope = _choice(raw_scope, ConditionScopeChoice) if raw_scope else "all"
        if scope is None:
            errors.append(
                CellError(
                    sheet.name,
                    number,
                    APPLIES_TO,
                    bilingual(
                        _("Không hợp lệ “%(value)s” (all, leaders hoặc non_leaders)")
                        % {"value": raw_scope},
                        "must be all, leaders or non_leaders",
                    ),
                )
            )
        conditions.append(
            LevelCondition(
                level=level or "HTNV",
                code=code,
                text=text,
                text_en=_text(sheet.get(cells, CONDITION_TEXT_EN)),
                applies_to=scope or "all",
                order=len(conditions) + 1,
            )
        )
    return conditions


def _parse_criteria(sheet: _Sheet, errors: list[CellError], *, required: bool = True):
    groups: dict[str, tuple[int, CriterionGroup]] = {}
    criteria: list[tuple[str, Criterion]] = []
    first_row: dict[str, int] = {}
    columns = {"code": CODE, "name": NAME, "name_en": NAME_EN, "max_points": MAX_POINTS,
               "guidance": GUIDANCE}  # fmt: skip
    group_columns = {"code": GROUP_CODE, "name": GROUP_NAME, "name_en": GROUP_NAME_EN}
    for number, cells in sheet.rows:
        group_code = _text(sheet.get(cells, GROUP_CODE))
        group_name = _text(sheet.get(cells, GROUP_NAME))
        if not group_code:
            _missing(sheet, number, GROUP_CODE, errors)
        elif group_code.casefold() not in groups:
            if not group_name:
                _missing(sheet, number, GROUP_NAME, errors)
            group = CriterionGroup(
                code=group_code,
                name=group_name,
                name_en=_text(sheet.get(cells, GROUP_NAME_EN)),
                order=len(groups) + 1,
            )
            _field_errors(group, ["template"], sheet.name, number, group_columns, errors)
            groups[group_code.casefold()] = (number, group)
        elif group_name and group_name != groups[group_code.casefold()][1].name:
            errors.append(
                CellError(
                    sheet.name,
                    number,
                    GROUP_NAME,
                    bilingual(
                        _("Tên nhóm “%(code)s” khác với dòng %(row)s")
                        % {"code": group_code, "row": groups[group_code.casefold()][0]},
                        "group name differs from its first row",
                    ),
                )
            )
        code = _code(
            sheet,
            number,
            CODE,
            sheet.get(cells, CODE),
            first_row,
            errors,
            message=_("Mã tiêu chí “%(code)s” trùng với dòng %(row)s"),
        )
        name = _text(sheet.get(cells, NAME))
        if not name:
            _missing(sheet, number, NAME, errors)
        points = _points(sheet, number, MAX_POINTS, sheet.get(cells, MAX_POINTS), errors)
        criterion = Criterion(
            code=code,
            name=name,
            name_en=_text(sheet.get(cells, NAME_EN)),
            max_points=points if points is not None else Decimal(0),
            guidance=_text(sheet.get(cells, GUIDANCE)),
            order=len(criteria) + 1,
        )
        if code and name and points is not None:  # else the missing value is reported
            _field_errors(criterion, ["template", "group"], sheet.name, number, columns, errors)
        criteria.append((group_code.casefold(), criterion))
    if required and sheet.present and sheet.headers and not sheet.rows:
        errors.append(
            CellError(
                sheet.name, 0, "", bilingual(_("Mẫu phải có ít nhất một tiêu chí"), "no criteria")
            )
        )
    return [g for _, g in groups.values()], criteria


def _parse_items(sheet: _Sheet, errors: list[CellError]) -> list[AdjustmentItem]:
    items: list[AdjustmentItem] = []
    first_row: dict[str, int] = {}
    columns = {"code": ITEM_CODE, "name": ITEM_NAME, "name_en": ITEM_NAME_EN, "points": POINTS,
               "max_per_period": MAX_PER_PERIOD, "kind": KIND}  # fmt: skip
    for number, cells in sheet.rows:
        raw_kind = sheet.get(cells, KIND)
        kind = _choice(raw_kind, AdjustmentKind)
        if not _text(raw_kind):
            _missing(sheet, number, KIND, errors)
        elif kind is None:
            errors.append(
                CellError(
                    sheet.name,
                    number,
                    KIND,
                    bilingual(
                        _("Loại không hợp lệ “%(value)s” (Điểm thưởng hoặc Điểm trừ)")
                        % {"value": _text(raw_kind)},
                        "unknown kind",
                    ),
                )
            )
        code = _code(sheet, number, ITEM_CODE, sheet.get(cells, ITEM_CODE), first_row, errors)
        name = _text(sheet.get(cells, ITEM_NAME))
        if not name:
            _missing(sheet, number, ITEM_NAME, errors)
        points = _points(sheet, number, POINTS, sheet.get(cells, POINTS), errors)
        raw_max = sheet.get(cells, MAX_PER_PERIOD)
        max_per_period = None
        if _text(raw_max):
            n = _number(raw_max)
            if n is None or n < 1 or n != n.to_integral_value():
                errors.append(
                    CellError(
                        sheet.name,
                        number,
                        MAX_PER_PERIOD,
                        bilingual(_("Phải là số nguyên dương"), "must be a positive whole number"),
                    )
                )
            else:
                max_per_period = int(n)
        item = AdjustmentItem(
            kind=kind or AdjustmentKind.BONUS,
            code=code,
            name=name,
            name_en=_text(sheet.get(cells, ITEM_NAME_EN)),
            points=points if points is not None else Decimal(0),
            max_per_period=max_per_period,
            order=len(items) + 1,
        )
        if code and name and points is not None:
            _field_errors(item, ["template"], sheet.name, number, columns, errors)
        items.append(item)
    return items


def _read(data: bytes, filename: str) -> _Parsed:
    errors: list[CellError] = []
    try:
        kind = check_upload(data, filename)
    except UnsafeFile as exc:
        raise TemplateFileInvalid([CellError(filename, 0, "", str(exc))]) from exc
    if kind != "xlsx":
        raise TemplateFileInvalid(
            [CellError(filename, 0, "", bilingual(_("Chỉ nhận tệp .xlsx."), "only .xlsx"))]
        )
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError, EOFError) as exc:
        raise TemplateFileInvalid(
            [
                CellError(
                    filename,
                    0,
                    "",
                    bilingual(
                        _("Không đọc được tệp .xlsx (tệp hỏng hoặc không đúng định dạng)."),
                        "the .xlsx file cannot be read",
                    ),
                )
            ]
        ) from exc
    try:
        criteria_sheet = _read_sheet(wb, SHEET_CRITERIA, CRITERIA_HEADERS, errors)
        settings_sheet = _read_sheet(wb, SHEET_SETTINGS, (ITEM, VALUE, NOTE), errors)
        items_sheet = _read_sheet(wb, SHEET_ADJUSTMENTS, ADJUSTMENT_HEADERS, errors)
        # Optional: only a conditions-based template (Decree 90/48) has one.
        has_conditions = any(
            fold_header(w.title) == fold_header(SHEET_CONDITIONS) for w in wb.worksheets
        )
        conditions_sheet = (
            _read_sheet(wb, SHEET_CONDITIONS, CONDITION_HEADERS, errors)
            if has_conditions
            else _Sheet(SHEET_CONDITIONS, present=False)
        )
    finally:
        wb.close()
    header, declared = _parse_settings(settings_sheet, errors)
    conditions_based = header.get("task_mode") == TaskModeChoice.CONDITIONS
    groups, criteria = _parse_criteria(criteria_sheet, errors, required=not conditions_based)
    items = _parse_items(items_sheet, errors) if items_sheet.present else []
    conditions = _parse_conditions(conditions_sheet, errors) if conditions_sheet.present else []
    if conditions and not conditions_based:
        errors.append(
            CellError(
                SHEET_CONDITIONS,
                0,
                "",
                bilingual(
                    _(
                        "Có điều kiện xếp loại nhưng cách chấm không phải “conditions”: xóa các "
                        "dòng, hoặc đặt cách chấm là conditions"
                    ),
                    "level conditions given, but the task mode is not “conditions”",
                ),
            )
        )

    general_total = declared.get(GENERAL_TOTAL)
    if general_total is not None:
        total = sum((c.max_points for _, c in criteria), Decimal(0))
        if total != general_total:
            errors.append(
                CellError(
                    SHEET_SETTINGS,
                    declared["rows"][GENERAL_TOTAL],
                    VALUE,
                    bilingual(
                        _(
                            "Tổng điểm tối đa các tiêu chí chung là %(total)s, không bằng "
                            "%(declared)s đã khai"
                        )
                        % {"total": _plain(total), "declared": _plain(general_total)},
                        "the general criteria do not add up to the declared total",
                    ),
                )
            )
    if errors:
        raise TemplateFileInvalid(errors)
    return _Parsed(
        header=header,
        groups=groups,
        criteria=criteria,
        items=items,
        setting_rows=declared["rows"],
        conditions=conditions,
    )


def _plain(number: Decimal) -> str:
    return format(number.normalize(), "f")


# --- import: writing -----------------------------------------------------------------------


def _check_header(header: dict[str, Any], rows: dict[str, int]) -> list[CellError]:
    """The model's checks on the settings (ranges, decimal places), named by their rows."""
    errors: list[CellError] = []
    obj = CriteriaTemplate(**header)
    labels = {s.field: s.label for s in SETTINGS if s.field}
    try:
        obj.clean_fields(exclude=["version", "status", "published_by", "created_by"])
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            label = labels.get(name, name)
            for message in messages:
                errors.append(CellError(SHEET_SETTINGS, rows.get(label, 0), VALUE, message))
    try:
        parse_component_steps(obj.leader_component_steps or "")
    except ValueError as exc:
        label = labels["leader_component_steps"]
        errors.append(
            CellError(
                SHEET_SETTINGS,
                rows.get(label, 0),
                VALUE,
                bilingual(
                    _("Mức “%(value)s” không phải là số từ 0 đến 100") % {"value": exc},
                    f"“{exc}” is not a number from 0 to 100",
                ),
            )
        )
    return errors


def template_import(*, data: bytes, filename: str, user: Any = None) -> CriteriaTemplate:
    """A new DRAFT version of the template code named in the file, with its groups, criteria
    and bonus/deduction items. Raises ``TemplateFileInvalid`` (nothing written) on any error,
    ``PermissionDenied`` for anyone but the province admin (``user`` None: the command line).
    Settings missing from the file are taken from the latest version of the code."""
    if user is not None and not scope_for(user).is_province_admin():
        raise PermissionDenied
    parsed = _read(data, filename)
    header = dict(parsed.header)
    code = header["code"]
    with transaction.atomic():
        latest = (
            CriteriaTemplate._base_manager.select_for_update()
            .filter(code=code)
            .order_by("-version")
            .first()
        )
        base = {}
        if latest is not None:
            base = {s.field: getattr(latest, s.field) for s in SETTINGS if s.field}
        values = {**base, **header}
        version = (
            CriteriaTemplate._base_manager.filter(code=code).aggregate(m=Max("version"))["m"] or 0
        ) + 1
        errors = _check_header(values, parsed.setting_rows)
        if errors:
            raise TemplateFileInvalid(errors)
        template = CriteriaTemplate.objects.create(
            **values, version=version, status=Status.DRAFT, created_by=user
        )
        by_code = {}
        for group in parsed.groups:
            group.template = template
            group.save()
            by_code[group.code.casefold()] = group
        Criterion.objects.bulk_create(
            [
                _attach(criterion, template=template, group=by_code[group_code])
                for group_code, criterion in parsed.criteria
            ]
        )
        for item in parsed.items:
            item.template = template
        AdjustmentItem.objects.bulk_create(parsed.items)
        for condition in parsed.conditions:
            condition.template = template
        LevelCondition.objects.bulk_create(parsed.conditions)
        audit.record(
            "scoring.template_imported",
            actor=user,
            obj=template,
            after={
                "code": code,
                "version": version,
                "filename": filename,
                "criteria": len(parsed.criteria),
                "adjustment_items": len(parsed.items),
                "level_conditions": len(parsed.conditions),
            },
        )
    return template


def _attach(criterion: Criterion, *, template: CriteriaTemplate, group: CriterionGroup):
    criterion.template = template
    criterion.group = group
    return criterion

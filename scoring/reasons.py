"""Why the engine decided what it did: stable codes, their parameters, and their messages.

A ``Reason`` holds a machine code (``band.HTXSNV``), the key of its message template and the
numbers behind it. Messages are rendered on demand, in Vietnamese (``message``) or English
(``message_en``): rating 50,000 people does not format 100,000 sentences nobody reads yet, and
a stored reason (code + params) can be shown later in the reader's language.

Parameter conventions used by ``render``: ``Decimal``/``int`` values are printed the way the
language writes numbers (``91,63`` / ``91.63``); keys ending in ``_share`` are fractions shown
as percentages; ``Level`` and ``Discipline`` values are shown by name.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from scoring.rules import LEVEL_NAMES_EN, LEVEL_NAMES_VI, Discipline, Level

_CENT = Decimal("0.01")
_HUNDRED = Decimal(100)

DISCIPLINE_NAMES: dict[str, dict[Discipline, str]] = {
    "vi": {
        Discipline.NONE: "không",
        Discipline.REPRIMAND: "khiển trách",
        Discipline.WARNING: "cảnh cáo",
        Discipline.DEMOTION: "hạ bậc lương / giáng chức / cách chức",
        Discipline.DISMISSAL: "buộc thôi việc",
    },
    "en": {d: d.value for d in Discipline},
}

# key → (Vietnamese, English). Placeholders are ``str.format`` fields filled by ``render``.
MESSAGES: dict[str, tuple[str, str]] = {
    "tasks.products": (
        "Kết quả thực hiện nhiệm vụ {tasks}/{task_max} điểm: số lượng {quantity_share}, chất "
        "lượng {quality_share}, tiến độ {progress_share} trên tổng hệ số {total_weight}",
        "Task results {tasks}/{task_max} points: quantity {quantity_share}, quality "
        "{quality_share}, progress {progress_share} over a total weight of {total_weight}",
    ),
    "tasks.direct": (
        "Kết quả thực hiện nhiệm vụ chấm trực tiếp: {tasks}/{task_max} điểm",
        "Task results scored directly: {tasks}/{task_max} points",
    ),
    "tasks.unit_component": (
        "Điểm nhiệm vụ của lãnh đạo {tasks}: phần việc của mình {own} và kết quả đơn vị phụ "
        "trách {unit} (đạt {factor_share} vì {why}), đơn vị chiếm {unit_share}",
        "Leader's task points {tasks}: own work {own} and the directed unit's result {unit} "
        "({factor_share} because {why_en}), the unit weighing {unit_share}",
    ),
    "tasks.leader_products": (
        "Sản phẩm của lãnh đạo (việc tự thực hiện và việc chỉ đạo, tổ chức, hướng dẫn, kiểm tra): "
        "số lượng {quantity_share}, chất lượng {quality_share}, tiến độ {progress_share} trên "
        "tổng hệ số {total_weight}",
        "Leader's products (own and directed, organised, guided, inspected): quantity "
        "{quantity_share}, quality {quality_share}, progress {progress_share} over a total "
        "weight of {total_weight}",
    ),
    "tasks.leader_components": (
        "Điểm nhiệm vụ của lãnh đạo {tasks}/{task_max} (Nghị định 335): số lượng "
        "{quantity_share}, chất lượng {quality_share}, tiến độ {progress_share}, kết quả đơn vị "
        "{unit_share}, năng lực tổ chức triển khai {organising_share}, năng lực tập hợp, đoàn "
        "kết {unity_share} (trọng số {weights})",
        "Leader's task points {tasks}/{task_max} (Decree 335): quantity {quantity_share}, "
        "quality {quality_share}, progress {progress_share}, unit result {unit_share}, "
        "organising {organising_share}, unity {unity_share} (weights {weights})",
    ),
    "tasks.leader_components_direct": (
        "Điểm nhiệm vụ của lãnh đạo {tasks}/{task_max} (Nghị định 335): phần việc chấm trực "
        "tiếp {own}, kết quả đơn vị {unit_share}, năng lực tổ chức triển khai "
        "{organising_share}, năng lực tập hợp, đoàn kết {unity_share} (trọng số {weights})",
        "Leader's task points {tasks}/{task_max} (Decree 335): own work scored directly {own}, "
        "unit result {unit_share}, organising {organising_share}, unity {unity_share} "
        "(weights {weights})",
    ),
    "tasks.leader_unit_none": (
        "Kết quả đơn vị {unit_share}: chưa có ai thuộc quyền quản lý được chấm điểm",
        "Unit result {unit_share}: nobody under the leader's management has a score",
    ),
    "tasks.leader_unit_all": (
        "Kết quả đơn vị {unit_share}: cả {scored} người thuộc quyền quản lý đạt từ {floor} "
        "điểm trở lên",
        "Unit result {unit_share}: all {scored} people under the leader's management score "
        "{floor} or more",
    ),
    "tasks.leader_unit_below": (
        "Kết quả đơn vị {unit_share}: {below}/{scored} người thuộc quyền quản lý dưới {floor} điểm",
        "Unit result {unit_share}: {below} of the {scored} people under the leader's "
        "management score below {floor}",
    ),
    "tasks.leader_organising_missing": (
        "Chưa nhập năng lực tổ chức triển khai thực hiện nhiệm vụ (organising) của lãnh đạo: "
        "chưa thể xếp loại",
        "The leader's organising capacity (organising) is not entered: the person cannot be rated",
    ),
    "tasks.leader_unity_missing": (
        "Chưa nhập năng lực tập hợp, đoàn kết (unity) của lãnh đạo: chưa thể xếp loại",
        "The leader's capacity to unite (unity) is not entered: the person cannot be rated",
    ),
    "tasks.no_products": (
        "Không có sản phẩm, công việc nào được đăng ký hoặc giao trong kỳ và không có điểm kết "
        "quả nhiệm vụ: chưa thể xếp loại",
        "No product or task was registered or assigned in the period and no task points were "
        "given: the person cannot be rated",
    ),
    "score.total": (
        "Tổng điểm {score} = tiêu chí chung {general} + kết quả nhiệm vụ {tasks} + điểm cộng "
        "{bonus} − điểm trừ {deductions}",
        "Total {score} = general criteria {general} + task results {tasks} + bonus {bonus} − "
        "deductions {deductions}",
    ),
    "score.capped": (
        "Tổng điểm {score} vượt mức tối đa {cap}: tính {cap}",
        "Total {score} exceeds the maximum {cap}: counted as {cap}",
    ),
    "score.floored": (
        "Tổng điểm {score} âm: tính 0",
        "Total {score} is negative: counted as 0",
    ),
    "aggregate.mean": (
        "Điểm kỳ {period} = trung bình {count} tháng làm việc ({months}): {total} / {count} = "
        "{score}",
        "Score for {period} = mean of {count} months worked ({months}): {total} / {count} = "
        "{score}",
    ),
    "aggregate.no_months": (
        "Không có tháng làm việc nào trong kỳ {period}: chưa thể xếp loại",
        "No month worked in {period}: the person cannot be rated",
    ),
    "aggregate.mean_quarters": (
        "Điểm kỳ {period} = trung bình {count} quý làm việc ({months}): {total} / {count} = "
        "{score}",
        "Score for {period} = mean of {count} quarters worked ({months}): {total} / {count} = "
        "{score}",
    ),
    "aggregate.no_quarters": (
        "Không có quý làm việc nào trong kỳ {period}: chưa thể xếp loại",
        "No quarter worked in {period}: the person cannot be rated",
    ),
    "conditions.met": (
        "Đạt đủ {n} điều kiện của mức {level} ({codes}): {level}, không chấm điểm",
        "All {n} conditions of {level} met ({codes}): {level}, no points",
    ),
    "conditions.missing": (
        "Chưa đạt mức {level}: đạt {count}/{n} điều kiện ({met}), còn thiếu {missing}",
        "Not {level}: {count} of {n} conditions met ({met}), missing {missing}",
    ),
    "conditions.none": (
        "Không đạt đủ điều kiện của mức nào: {level}",
        "The conditions of no level are all met: {level}",
    ),
    "conditions.not_assessed": (
        "Chưa đánh giá các điều kiện xếp loại: chưa thể xếp loại",
        "The level conditions are not assessed yet: the person cannot be rated",
    ),
    "band.at_least": (
        "Điểm {score} ≥ {floor}: {level}",
        "Score {score} ≥ {floor}: {level}",
    ),
    "band.below": (
        "Điểm {score} < {floor}: {level}",
        "Score {score} < {floor}: {level}",
    ),
    "override.discipline": (
        "Bị kỷ luật ({discipline}) có hiệu lực trong năm: Không hoàn thành nhiệm vụ, bất kể điểm",
        "Disciplined ({discipline}) with effect in the year: not completed, whatever the score",
    ),
    "override.degradation": (
        "Có biểu hiện suy thoái, “tự diễn biến”, “tự chuyển hóa” được cấp có thẩm quyền kết "
        "luận: Không hoàn thành nhiệm vụ, bất kể điểm",
        "Degradation concluded by the competent authority: not completed, whatever the score",
    ),
    "override.unit_corruption": (
        "Đơn vị do mình trực tiếp phụ trách bị xử lý về tham nhũng, tiêu cực, lãng phí: Không "
        "hoàn thành nhiệm vụ, bất kể điểm",
        "A directly managed unit was handled for embezzlement, corruption or waste: not "
        "completed, whatever the score",
    ),
    "override.unit_corruption_not_leader": (
        "Đơn vị có vụ việc tham nhũng, lãng phí nhưng người này không phải lãnh đạo: không áp dụng",
        "The unit was handled for corruption or waste, but this person is not a leader: not "
        "applied",
    ),
    "cap.maternity_exempt": (
        "Làm việc {months} tháng nhưng nghỉ thai sản: không áp dụng giới hạn, xếp loại theo thời "
        "gian thực tế làm việc",
        "Worked {months} months but on maternity leave: the limit does not apply, rated over "
        "the time actually worked",
    ),
    "cap.no_level": (
        "Làm việc {months} tháng trong kỳ {period} (từ {min_months} đến {max_months} tháng): "
        "không xếp loại, chỉ tự kiểm điểm",
        "Worked {months} months in {period} ({min_months} to {max_months}): no level, "
        "self-review only",
    ),
    "cap.at_most": (
        "Làm việc {months} tháng trong kỳ {period} (từ {min_months} đến {max_months} tháng): "
        "tối đa {level}",
        "Worked {months} months in {period} ({min_months} to {max_months}): at most {level}",
    ),
    "gate.no_rated_subordinates": (
        "Không cấp dưới trực tiếp nào được xếp loại: không áp dụng ràng buộc lãnh đạo",
        "No direct subordinate is rated: the leader gate does not apply",
    ),
    "gate.passed": (
        "Ràng buộc lãnh đạo đạt (cấp dưới trực tiếp: {good}/{n} ({good_share}) từ Hoàn thành tốt "
        "trở lên, {completed}/{n} ({completed_share}) từ Hoàn thành trở lên): không giới hạn",
        "Leader gate passed (direct subordinates: {good}/{n} ({good_share}) good or better, "
        "{completed}/{n} ({completed_share}) completed or better): no limit",
    ),
    "gate.limited": (
        "Lãnh đạo bị ràng buộc bởi kết quả đơn vị (cấp dưới trực tiếp: {good}/{n} ({good_share}) "
        "từ Hoàn thành tốt trở lên, {completed}/{n} ({completed_share}) từ Hoàn thành trở lên): "
        "tối đa {level}",
        "Leader bound by the unit (direct subordinates: {good}/{n} ({good_share}) good or better, "
        "{completed}/{n} ({completed_share}) completed or better): at most {level}",
    ),
    "gate.within": (
        "Ràng buộc lãnh đạo (cấp dưới trực tiếp: {good}/{n} ({good_share}) từ Hoàn thành tốt trở "
        "lên, {completed}/{n} ({completed_share}) từ Hoàn thành trở lên): tối đa {level}, mức "
        "hiện tại không vượt",
        "Leader gate (direct subordinates: {good}/{n} ({good_share}) good or better, "
        "{completed}/{n} ({completed_share}) completed or better): at most {level}, the level is "
        "within it",
    ),
    "quota.kept": (
        "Giữ mức Hoàn thành xuất sắc: thứ {rank}/{candidates} trong {group} ({limit})",
        "Keeps excellent: rank {rank}/{candidates} in {group} ({limit})",
    ),
    "quota.moved_down": (
        "Vượt tỷ lệ Hoàn thành xuất sắc: thứ {rank}/{candidates} trong {group} ({limit}); chuyển "
        "xuống Hoàn thành tốt nhiệm vụ",
        "Over the excellent quota: rank {rank}/{candidates} in {group} ({limit}); moved down to "
        "good",
    ),
    "approver.lowered": (
        "Người có thẩm quyền hạ mức xếp loại xuống {level}: {reason}",
        "The approver lowered the level to {level}: {reason}",
    ),
    "agency.limited": (
        "Người đứng đầu: mức xếp loại không cao hơn mức xếp loại của cơ quan {agency} năm "
        "{year} ({level}, {reference}) — hạ xuống {level}",
        "Head of the agency: the level may not be higher than the rating of {agency} for "
        "{year} ({level}, {reference}) — lowered to {level}",
    ),
    "agency.within": (
        "Người đứng đầu: mức xếp loại không vượt mức xếp loại của cơ quan {agency} năm {year} "
        "({level}, {reference})",
        "Head of the agency: the level is within the rating of {agency} for {year} "
        "({level}, {reference})",
    ),
    "quota.signed": (
        "Đã được phê duyệt Hoàn thành xuất sắc trước đó, tính vào tỷ lệ của {group} ({limit})",
        "Already approved as excellent, counted in the quota of {group} ({limit})",
    ),
    # Fragments used inside quota messages.
    "quota.group": ("cơ quan {agency}", "agency {agency}"),
    "quota.group_duty": (
        "cơ quan {agency}, nhóm {duty_group}",
        "agency {agency}, duty group {duty_group}",
    ),
    "quota.limit_good": (
        "tỷ lệ {percent}% số Hoàn thành tốt: tối đa {allowed}",
        "{percent}% of the number rated good: at most {allowed}",
    ),
    "quota.limit_rated": (
        "tỷ lệ {percent}% số được xếp loại: tối đa {allowed}",
        "{percent}% of those rated: at most {allowed}",
    ),
    "quota.limit_exception": (
        "ngoại lệ theo {reference}: tối đa {allowed}",
        "exception under {reference}: at most {allowed}",
    ),
}


def format_number(value: Decimal | int, language: str) -> str:
    """A number as the language writes it: decimal comma in Vietnamese, no trailing zeros."""
    text = (
        (format(value.normalize(), "f") if value else "0") if type(value) is Decimal else str(value)
    )
    return text.replace(".", ",") if language == "vi" else text


def format_share(value: Decimal, language: str) -> str:
    """A fraction (0.875) as a percentage rounded half-up to 2 decimals ("87,5%")."""
    percent = (value * _HUNDRED).quantize(_CENT, rounding=ROUND_HALF_UP)
    return format_number(percent, language) + "%"


def _format_value(key: str, value: Any, language: str) -> str:
    # Exact type dispatch, commonest first: a batch renders hundreds of thousands of these.
    kind = type(value)
    if kind is Decimal:
        if key.endswith("_share"):
            return format_share(value, language)
        return format_number(value, language)
    if kind is str:
        return value
    if kind is int:
        return str(value)
    if kind is Level:
        return (LEVEL_NAMES_VI if language == "vi" else LEVEL_NAMES_EN)[value]
    if kind is Discipline:
        return DISCIPLINE_NAMES[language][value]
    if kind is Reason:
        return value.render(language)
    return str(value)


@dataclass(frozen=True, slots=True)
class Reason:
    """One decision: machine ``code``, message template ``key`` and the ``params`` behind it."""

    code: str
    key: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def render(self, language: str = "vi") -> str:
        vi, en = MESSAGES[self.key]
        template = vi if language == "vi" else en
        values = {k: _format_value(k, v, language) for k, v in self.params.items()}
        return template.format(**values)

    @property
    def message(self) -> str:
        """The Vietnamese message (the language of record)."""
        return self.render("vi")

    @property
    def message_en(self) -> str:
        return self.render("en")

"""Fixture changes ship as new versions: ``load_standard_rules`` adds the versions the database
lacks and leaves every present one as it is; plain ``loaddata`` over a published version is
refused (``scoring.receivers``), so a changed fixture can never rewrite a rule set in use."""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import router, transaction
from django.db.models.deletion import Collector
from django.forms.models import model_to_dict

from evaluation.models import Period
from evaluation.services.periods import period_get_or_create
from scoring.models import (
    AdjustmentItem,
    CapRule,
    CriteriaTemplate,
    Criterion,
    CriterionGroup,
    RuleSet,
    Status,
)
from scoring.periods import parse_period
from scoring.selectors import ruleset_get_published, ruleset_rules
from scoring.services import ruleset_validation_errors, template_validation_errors
from tests.scoring.conftest import STANDARD_FIXTURE

MODELS = (CriteriaTemplate, CriterionGroup, Criterion, AdjustmentItem, RuleSet, CapRule)


def _everything() -> dict[str, list[dict]]:
    return {
        m.__name__: [model_to_dict(row) for row in m._base_manager.order_by("pk")] for m in MODELS
    }


def _load(*args: str) -> str:
    out = StringIO()
    call_command("load_standard_rules", *args, stdout=out)
    return out.getvalue()


def _changed_fixture(tmp_path: Path) -> Path:
    """The standard fixture with ND335-2025 v1 edited in place — the mistake the guard stops:
    its name, a band, a criterion's points, and a criterion added to its template."""
    data = json.loads(STANDARD_FIXTURE.read_text(encoding="utf-8"))
    added = None
    for obj in data:
        f = obj["fields"]
        if obj["model"] == "scoring.ruleset" and (f["code"], f["version"]) == ("ND335-2025", 1):
            f["name"] = "Đã sửa"
            f["band_excellent_min"] = "95.00"
        is_v1 = obj["model"] == "scoring.criterion" and f["template"] == ["ND335-2025-TPL", 1]
        if is_v1 and f["code"] == "G1":
            f["max_points"] = "9.00"
            added = json.loads(json.dumps(obj))
    added["fields"].update(code="G7", name="Tiêu chí thêm", order=7)
    data.append(added)
    path = tmp_path / "changed.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.fixture
def in_use(db) -> Period:
    """The rules of 1 January 2026 loaded, and a month opened on ND335-2025 v1."""
    _load("--published-by", "2026-01-01")
    v1 = RuleSet.objects.get(code="ND335-2025", version=1)
    period, _ = period_get_or_create(ruleset=v1, label=parse_period("2026-10"), user=None)
    return period


def test_loading_over_a_published_version_in_use_changes_nothing(in_use, tmp_path):
    before = _everything()
    out = _load(str(_changed_fixture(tmp_path)), "--published-by", "2026-01-01")
    assert "ND335-2025 v1: đã có, giữ nguyên / already present, unchanged" in out
    assert "thêm 0 phiên bản, giữ nguyên 4" in out
    assert _everything() == before
    assert in_use.ruleset.name != "Đã sửa"


def test_plain_loaddata_over_a_published_version_is_refused(in_use, tmp_path):
    before = _everything()
    with pytest.raises(ValidationError, match="Phiên bản đã công bố không được sửa"):
        call_command("loaddata", str(_changed_fixture(tmp_path)), verbosity=0)
    assert _everything() == before
    # The same file without the edits: rewriting a published row with itself is refused too,
    # since nothing can tell "unchanged" from "changed" but the guard.
    with pytest.raises(ValidationError, match="published version cannot be changed"):
        call_command("loaddata", str(STANDARD_FIXTURE), verbosity=0)
    assert _everything() == before


def test_a_part_added_to_a_published_version_by_loaddata_is_refused(in_use, tmp_path):
    g1 = Criterion.objects.get(template__code="ND335-2025-TPL", template__version=1, code="G1")
    row = {
        "model": "scoring.criterion",
        "fields": {
            "template": ["ND335-2025-TPL", 1],
            "group": ["ND335-2025-TPL", 1, g1.group.code],
            "code": "G9",
            "name": "Thêm vào bản đã công bố",
            "max_points": "1.00",
        },
    }
    path = tmp_path / "part.json"
    path.write_text(json.dumps([row], ensure_ascii=False), encoding="utf-8")
    with pytest.raises(ValidationError, match="Phiên bản đã công bố"):
        call_command("loaddata", str(path), verbosity=0)
    assert not Criterion.objects.filter(code="G9").exists()


def test_a_new_version_in_the_fixture_is_added_and_the_old_stays(in_use):
    before = _everything()
    out = _load()
    assert "  + ND335-2025-TPL v2: đã thêm 8 dòng / added, 8 rows" in out
    assert "  + ND335-2025 v2: đã thêm 3 dòng / added, 3 rows" in out
    assert "  = ND335-2025 v1: đã có, giữ nguyên / already present, unchanged" in out
    assert "thêm 8 phiên bản, giữ nguyên 4" in out
    after = _everything()
    for model, rows in before.items():
        assert after[model][: len(rows)] == rows, model  # every old row exactly as it was
    assert ruleset_get_published(code="ND335-2025").version == 2
    assert in_use.ruleset.version == 1  # the month opened on v1 keeps it
    # A second run finds everything present.
    again = _load()
    assert "thêm 0 phiên bản, giữ nguyên 12" in again
    assert _everything() == after


def test_the_2026_versions_say_what_the_law_says(db):
    _load()
    v2 = ruleset_get_published(code="ND335-2025")
    template = v2.template
    assert (template.code, template.version, template.leader_components) == (
        "ND335-2025-TPL",
        2,
        True,
    )
    assert (template.weight_unit, template.weight_organising, template.weight_unity) == (
        Decimal(1),
        Decimal(1),
        Decimal(1),
    )
    assert template.unit_factor_if_khtnv == Decimal("0.5")
    assert template.leader_unit_share == 0 and template.leader_component_steps == ""
    assert "đúng tiến độ" in template.organising_guidance and template.unity_guidance
    assert not v2.gates_enabled
    assert (v2.quota_applies_month, v2.quota_applies_quarter, v2.quota_applies_year) == (
        False,
        False,
        True,
    )
    assert v2.quota_percent == 20 and v2.quota_exception_max_percent is None
    assert (v2.cycle, v2.year_due_month, v2.year_due_day) == ("month", 12, 15)
    assert "335/2025/NĐ-CP" in v2.legal_basis

    vc = ruleset_get_published(code="ND90-VC")
    assert vc.gates_enabled and not vc.template.leader_components
    assert (vc.quota_applies_month, vc.quota_applies_year) == (False, True)
    assert "90/2020/NĐ-CP" in vc.legal_basis and "48/2023/NĐ-CP" in vc.legal_basis
    # v2 (Decree 90/48 as implemented: yearly, conditions-based); v1 kept its approximation.
    assert vc.version == 2 and vc.cycle == "year" and vc.template.task_mode == "conditions"
    vc1 = RuleSet.objects.get(code="ND90-VC", version=1)
    assert "gần đúng" in vc1.template.description  # what the approximation is, said

    nld = ruleset_get_published(code="NLD-MAU")
    assert nld.quota_percent is None and not nld.gates_enabled
    assert "Mẫu — tỉnh sao chép và sửa theo quy chế của cơ quan" in nld.template.description

    for ruleset in RuleSet.objects.all():
        assert ruleset.status == Status.PUBLISHED
        assert ruleset_validation_errors(ruleset=ruleset) == [], ruleset.code
        assert template_validation_errors(template=ruleset.template) == [], ruleset.code
        ruleset_rules(ruleset=ruleset)  # converts for the engine


def _version_of(obj: dict) -> tuple[str, int]:
    fields = obj["fields"]
    if "code" in fields and "version" in fields:
        return fields["code"], fields["version"]
    code, version = (fields.get("template") or fields["ruleset"])[:2]
    return code, version


ORIGINAL = {("ND335-2025-TPL", 1), ("ND335-2025", 1), ("HN-3814-TPL", 1), ("HN-3814", 1)}
# sha256 of the 22 objects of those four versions as shipped on 1 January 2026 (sorted keys).
ORIGINAL_SHA256 = "dbd93306609367362432a8d9002b886bd2064c8f660628fd522a6aba512d029e"


def test_the_original_versions_are_exactly_those_of_1_january():
    """ND335-2025 v1 and HN-3814 v1 may be in use: the fixture keeps them as they were, first
    in the file, and every object is keyed naturally (no pk)."""
    data = json.loads(STANDARD_FIXTURE.read_text(encoding="utf-8"))
    old = [o for o in data if _version_of(o) in ORIGINAL]
    assert data[: len(old)] == old and len(old) == 22
    digest = hashlib.sha256(json.dumps(old, sort_keys=True, ensure_ascii=False).encode())
    assert digest.hexdigest() == ORIGINAL_SHA256
    assert all("pk" not in o for o in data)


def test_a_deletion_past_delete_is_refused_on_a_published_version(in_use):
    """The deletion collector (a cascade from a parent row) skips ``delete()``: the pre_delete
    receiver still refuses a published version's rows."""
    cap = CapRule.objects.filter(ruleset=in_use.ruleset).first()
    collector = Collector(using=router.db_for_write(CapRule))
    collector.collect([cap])
    with pytest.raises(ValidationError, match="Phiên bản đã công bố"), transaction.atomic():
        collector.delete()
    assert CapRule.objects.filter(pk=cap.pk).exists()

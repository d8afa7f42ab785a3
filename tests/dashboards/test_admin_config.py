"""The Sở Nội vụ configures the dashboards in the admin and imports the other PAR fields."""

from __future__ import annotations

import tablib
from django.contrib.auth import get_user_model

from dashboards.admin import ParImportedScoreResource
from dashboards.models import ParImportedScore, RankingWeight
from tests.factories import AgencyFactory


def test_the_configuration_pages_open_for_the_province_admin(client, db):
    admin = get_user_model().objects.create_superuser("sonoivu", "s@example.org", "x")
    client.force_login(admin)
    for model in (
        "rankingweight",
        "parsubcriterion",
        "parimportedscore",
        "indicatorsnapshot",
        "exportjob",
    ):
        assert client.get(f"/admin/dashboards/{model}/").status_code == 200, model
    # The default weights ship with the migrations and are editable in the list.
    assert RankingWeight.objects.filter(indicator="top_share", direction="lower").exists()


def test_the_other_fields_points_import_from_the_appraisal_file_and_reimport_is_a_no_op(db):
    AgencyFactory(code="SNV")
    data = tablib.Dataset(
        headers=["Năm", "Mã cơ quan", "Mã lĩnh vực", "Lĩnh vực", "Điểm đạt", "Điểm tối đa"]
    )
    data.append([2026, "SNV", "TTHC", "Cải cách thủ tục hành chính", "10.5", "12"])
    data.append([2026, "SNV", "SIPAS", "Sự hài lòng", "8", "10"])
    resource = ParImportedScoreResource()
    preview = resource.import_data(data, dry_run=True)
    assert not preview.has_errors() and ParImportedScore.objects.count() == 0
    resource.import_data(data, dry_run=False)
    assert ParImportedScore.objects.count() == 2
    again = resource.import_data(data, dry_run=False)
    assert [row.import_type for row in again.rows] == ["skip", "skip"]


def test_an_unknown_agency_in_the_appraisal_file_is_an_error(db):
    data = tablib.Dataset(
        headers=["Năm", "Mã cơ quan", "Mã lĩnh vực", "Lĩnh vực", "Điểm đạt", "Điểm tối đa"]
    )
    data.append([2026, "KHONG-CO", "TTHC", "Thủ tục", "1", "2"])
    result = ParImportedScoreResource().import_data(data, dry_run=True)
    assert result.has_validation_errors() or result.has_errors()

"""Big files as background jobs: progress, totals, the downloadable error report."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from staff.imports.jobs import import_job_start
from staff.imports.services import ImportRefused
from staff.models import ImportJob, ImportJobStatus, Role, StaffMember
from tests.factories import RoleAssignmentFactory, UserFactory
from tests.staff.sheets import staff_row, xlsx


@pytest.fixture
def hr_a(org):
    user = UserFactory(username="hoa")
    RoleAssignmentFactory(user=user, role=Role.HR_OFFICER, agency=org.agency_a)
    return user


def test_a_job_runs_eagerly_and_writes(org, hr_a):
    data = xlsx([staff_row("A601", "Tạ Văn Lâm", "A-KH")])
    job = import_job_start(data=data, filename="a.xlsx", user=hr_a, dry_run=False, full=False)
    assert job.status == ImportJobStatus.DONE
    assert (job.progress, job.stage, job.written) == (100, "done", True)
    assert job.totals["new"] == 1
    assert job.agency == org.agency_a
    assert job.error_report is None
    assert StaffMember.objects.filter(code="A601").exists()


def test_a_failed_job_offers_the_original_rows_with_an_error_column(org, hr_a):
    rows = [staff_row("A601", "Tạ Văn Lâm", "A-KH"), staff_row("A602", "Tạ Văn Hổ", "NOPE")]
    job = import_job_start(data=xlsx(rows), filename="a.xlsx", user=hr_a, dry_run=False)
    assert job.status == ImportJobStatus.FAILED
    assert not job.written
    assert not StaffMember.objects.filter(code="A601").exists()
    assert job.messages[0].startswith("Dòng 3, cột “Mã đơn vị”")
    sheet = load_workbook(io.BytesIO(bytes(job.error_report))).active
    header = [c.value for c in sheet[1]]
    assert header[0] == "Dòng" and header[-1] == "Lỗi"
    [row] = list(sheet.iter_rows(min_row=2, values_only=True))
    assert row[0] == 3 and row[1] == "A602" and "unknown unit" in row[-1]


def test_a_job_for_another_agency_is_refused_before_it_is_stored(org, hr_a):
    with pytest.raises(ImportRefused):
        import_job_start(data=b"x", filename="a.xlsx", user=hr_a, agency_code="SOB")
    assert not ImportJob.objects.exists()


def test_a_bad_file_job_fails_with_the_file_message(org, hr_a):
    job = import_job_start(data=b"PK\x03\x04junk", filename="a.xlsx", user=hr_a)
    assert job.status == ImportJobStatus.FAILED
    assert "damaged" in job.messages[0]

"""Long downloads become background jobs with progress; plotly.js is served by the app."""

from __future__ import annotations

import pytest
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.views import serve
from django.test import RequestFactory

from dashboards.models import ExportJob, ExportStatus
from dashboards.staticfiles import PLOTLY_PATH

URL = "/dashboards/agency/SOA/"


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.DASHBOARD_EXPORT_INLINE_ROWS = 5
    return tmp_path


def test_a_long_table_becomes_a_background_job_with_its_file(october, month, client, media):
    client.force_login(month.user("alice"))
    response = client.get(URL, {"period": "2026-10", "table": "persons", "download": "csv"})
    job = ExportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/dashboards/exports/{job.pk}/"
    assert (job.status, job.rows, job.progress) == (ExportStatus.DONE, 11, 100)
    page = client.get(response["Location"]).content.decode()
    assert f"/dashboards/exports/{job.pk}/file/" in page and "11 / 11 dòng" in page
    download = client.get(f"/dashboards/exports/{job.pk}/file/")
    assert download["Content-Disposition"] == 'attachment; filename="SOA-2026-10-persons.csv"'
    assert "Nguyễn Văn Sơn" in b"".join(download.streaming_content).decode("utf-8-sig")


def test_a_short_table_still_downloads_at_once(october, month, client, media):
    client.force_login(month.user("alice"))
    response = client.get(URL, {"period": "2026-10", "table": "funnel", "download": "csv"})
    assert response.status_code == 200 and not ExportJob.objects.exists()


def test_a_running_job_shows_its_progress_and_reloads(october, month, client, media):
    job = ExportJob.objects.create(
        user=month.user("alice"),
        spec={},
        fmt="xlsx",
        title="x",
        rows=200,
        done_rows=50,
        status=ExportStatus.RUNNING,
    )
    client.force_login(month.user("alice"))
    page = client.get(f"/dashboards/exports/{job.pk}/").content.decode()
    assert 'value="25"' in page and 'http-equiv="refresh"' in page
    assert client.get(f"/dashboards/exports/{job.pk}/file/").status_code == 404


def test_nobody_else_sees_someone_elses_export(october, month, client, media):
    client.force_login(month.user("alice"))
    client.get(URL, {"period": "2026-10", "table": "persons", "download": "xlsx"})
    job = ExportJob.objects.get()
    client.force_login(month.user("sam"))
    assert client.get(f"/dashboards/exports/{job.pk}/").status_code == 404
    assert client.get(f"/dashboards/exports/{job.pk}/file/").status_code == 404


def test_a_failing_export_is_marked_failed(month, media, db):
    from dashboards.tasks import run_export

    job = ExportJob.objects.create(
        user=month.user("sam"), spec={"kind": "nope"}, fmt="csv", title="x"
    )
    run_export.delay(str(job.pk))
    job.refresh_from_db()
    assert job.status == ExportStatus.FAILED and job.error


def test_plotly_js_is_found_in_the_installed_package():
    import plotly

    found = finders.find(PLOTLY_PATH)
    assert found and found.startswith(str(__import__("pathlib").Path(plotly.__file__).parent))


def test_plotly_js_is_served_from_the_app(settings):
    settings.DEBUG = True
    response = serve(RequestFactory().get(f"/static/{PLOTLY_PATH}"), PLOTLY_PATH)
    assert response.status_code == 200
    assert "javascript" in response["Content-Type"]
    head = b"".join(response.streaming_content)[:2000].decode("utf-8", "replace")
    import plotly

    assert "plotly.js" in head.lower()
    assert plotly.__version__.split(".")[0] in head or "v" in head


def test_collectstatic_copies_plotly_js(settings, tmp_path):
    from django.core.management import call_command

    settings.STATIC_ROOT = tmp_path
    call_command("collectstatic", interactive=False, verbosity=0)
    assert (tmp_path / "dashboards" / "plotly.min.js").stat().st_size > 1_000_000
    assert (tmp_path / "dashboards" / "charts.js").exists()

"""The read-replica router (config/db_router.py): dashboards and exports read the replica,
everything else — every write, and any read after a write in the same context — the primary.

The replica here is a second connection to the test database (``TEST: {"MIRROR": "default"}``,
as settings declare it when DATABASE_REPLICA_URL is set), added for this module only. Tests
that run real queries on it commit their rows (``transaction=True``): a second connection does
not see another's open transaction, exactly as a real replica would not.
"""

from __future__ import annotations

import copy
import os
import subprocess
import sys

import pytest
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.test.utils import CaptureQueriesContext

from config.db_router import PrimaryReplicaRouter
from dashboards.models import ExportJob, ExportStatus
from evaluation.models import Evaluation
from staff.lib.replica import REPLICA, read_alias, reads_from_replica
from staff.models import Agency
from tests.dashboards.conftest import october  # noqa: F401 — the closed month
from tests.evaluation.conftest import month, standard_rules  # noqa: F401
from tests.factories import AgencyFactory

ON_REPLICA = pytest.mark.django_db(
    transaction=True, serialized_rollback=True, databases=[DEFAULT_DB_ALIAS, REPLICA]
)
ROUTER = PrimaryReplicaRouter()


@pytest.fixture(scope="module", autouse=True)
def replica_alias(django_db_setup):
    """A ``replica`` alias mirroring the test database, for this module's tests only."""
    default = connections[DEFAULT_DB_ALIAS].settings_dict
    replica = copy.deepcopy(default)
    replica["TEST"] = {**replica["TEST"], "MIRROR": DEFAULT_DB_ALIAS}
    connections.settings[REPLICA] = replica
    yield REPLICA
    connections[REPLICA].close()
    del connections[REPLICA]
    del connections.settings[REPLICA]


class Queries:
    """The queries each alias ran inside the block."""

    def __enter__(self) -> Queries:
        self.primary = CaptureQueriesContext(connections[DEFAULT_DB_ALIAS])
        self.replica = CaptureQueriesContext(connections[REPLICA])
        self.primary.__enter__()
        self.replica.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self.replica.__exit__(*exc)
        self.primary.__exit__(*exc)

    def on(self, alias: str) -> list[str]:
        captured = self.primary if alias == DEFAULT_DB_ALIAS else self.replica
        return [q["sql"] for q in captured.captured_queries]


# --- the router's choices ---------------------------------------------------------------------


def test_reads_in_the_context_go_to_the_replica_and_outside_to_the_primary():
    assert ROUTER.db_for_read(Evaluation) == DEFAULT_DB_ALIAS
    with reads_from_replica():
        assert ROUTER.db_for_read(Evaluation) == REPLICA
        assert ROUTER.db_for_read(Agency) == REPLICA
    assert ROUTER.db_for_read(Evaluation) == DEFAULT_DB_ALIAS


def test_a_write_goes_to_the_primary_and_pins_the_rest_of_the_context():
    with reads_from_replica():
        assert ROUTER.db_for_write(ExportJob) == DEFAULT_DB_ALIAS
        assert ROUTER.db_for_read(Evaluation) == DEFAULT_DB_ALIAS  # reads-after-write
    with reads_from_replica():  # a new context starts on the replica again
        assert ROUTER.db_for_read(Evaluation) == REPLICA


def test_a_write_in_a_nested_context_pins_the_outer_one():
    with reads_from_replica():
        with reads_from_replica():
            assert ROUTER.db_for_read(Evaluation) == REPLICA
            ROUTER.db_for_write(ExportJob)
        assert ROUTER.db_for_read(Evaluation) == DEFAULT_DB_ALIAS


def test_the_decorator_opens_a_fresh_context_at_each_call():
    seen = []

    @reads_from_replica()
    def view(write: bool) -> None:
        seen.append(read_alias())
        if write:
            ROUTER.db_for_write(ExportJob)
        seen.append(read_alias())

    view(True)
    view(False)
    assert seen == [REPLICA, DEFAULT_DB_ALIAS, REPLICA, REPLICA]
    assert read_alias() == DEFAULT_DB_ALIAS


def test_without_a_replica_the_router_leaves_everything_to_default(monkeypatch):
    monkeypatch.delitem(connections.settings, REPLICA)
    with reads_from_replica():
        assert ROUTER.db_for_read(Evaluation) is None  # Django's own choice: default
        assert read_alias() == DEFAULT_DB_ALIAS
        assert ROUTER.db_for_write(Evaluation) is None


def test_the_replica_is_never_migrated():
    assert ROUTER.allow_migrate(REPLICA, "evaluation") is False
    assert ROUTER.allow_migrate(DEFAULT_DB_ALIAS, "evaluation") is None


def _settings_databases(**env: str) -> str:
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'config.settings';"
        "from django.conf import settings;"
        "d = settings.DATABASES;"
        "print(sorted(d), d.get('replica', {}).get('NAME'), d.get('replica', {}).get('TEST'),"
        " settings.DATABASE_ROUTERS)"
    )
    clean = {k: v for k, v in os.environ.items() if k != "DATABASE_REPLICA_URL"}
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**clean, "DATABASE_URL": "postgresql://app@primary:5432/danhgia", **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def test_settings_add_the_replica_alias_only_when_its_url_is_set():
    router = "['config.db_router.PrimaryReplicaRouter']"
    assert _settings_databases() == f"['default'] None None {router}"
    with_replica = _settings_databases(
        DATABASE_REPLICA_URL="postgresql://reader@replica:5432/danhgia"
    )
    assert with_replica == f"['default', 'replica'] danhgia {{'MIRROR': 'default'}} {router}"


# --- real queries on the mirror ---------------------------------------------------------------


@ON_REPLICA
def test_a_read_in_the_context_runs_on_the_replica_connection():
    AgencyFactory(code="SOR", name="Sở Replica")
    with reads_from_replica(), Queries() as queries:
        agency = Agency.objects.get(code="SOR")
    assert agency.name == "Sở Replica" and agency._state.db == REPLICA
    assert len(queries.on(REPLICA)) == 1 and queries.on(DEFAULT_DB_ALIAS) == []


@ON_REPLICA
def test_a_write_runs_on_the_primary_and_the_next_read_too():
    AgencyFactory(code="SOR", name="Sở Replica")
    with reads_from_replica(), Queries() as queries:
        assert Agency.objects.filter(code="SOR").exists()  # replica
        Agency.objects.filter(code="SOR").update(name="Sở Đổi Tên")  # primary
        agency = Agency.objects.get(code="SOR")  # primary: the write is read back
    assert agency.name == "Sở Đổi Tên" and agency._state.db == DEFAULT_DB_ALIAS
    assert len(queries.on(REPLICA)) == 1
    primary = queries.on(DEFAULT_DB_ALIAS)
    assert primary[0].startswith("UPDATE") and primary[-1].startswith("SELECT")


@ON_REPLICA
def test_outside_the_context_and_inside_a_transaction_reads_stay_on_the_primary():
    AgencyFactory(code="SOR")
    with Queries() as queries:
        Agency.objects.get(code="SOR")
        with reads_from_replica(), transaction.atomic():
            Agency.objects.get(code="SOR")
    assert queries.on(REPLICA) == []
    assert sum("SELECT" in sql for sql in queries.on(DEFAULT_DB_ALIAS)) == 2


def _dashboard_reads(sqls: list[str]) -> list[str]:
    return [s for s in sqls if '"evaluation_' in s or '"dashboards_' in s or '"staff_' in s]


@ON_REPLICA
def test_the_agency_dashboard_runs_its_queries_on_the_replica(october, month, client):  # noqa: F811
    client.force_login(month.user("alice"))
    with Queries() as queries:
        response = client.get("/dashboards/agency/SOA/", {"period": "2026-10"})
    assert response.status_code == 200 and "Sở Alpha" in response.content.decode()
    assert len(_dashboard_reads(queries.on(REPLICA))) >= 5
    # The primary only answered the sign-in (session, user, second factor) before the view.
    assert _dashboard_reads(queries.on(DEFAULT_DB_ALIAS)) == []


@ON_REPLICA
def test_the_ranking_api_and_the_ranking_page_read_the_replica(october, month, client):  # noqa: F811
    client.force_login(month.user("sam"))
    for url in (
        "/api/v1/dashboards/rankings/?period=2026-10",
        "/dashboards/rankings/?period=2026-10",
    ):
        with Queries() as queries:
            assert client.get(url).status_code == 200
        assert _dashboard_reads(queries.on(REPLICA)), url
        assert _dashboard_reads(queries.on(DEFAULT_DB_ALIAS)) == [], url


@ON_REPLICA
def test_a_background_export_reads_its_job_on_the_primary_and_its_table_on_the_replica(
    october,  # noqa: F811
    month,  # noqa: F811
    settings,
    tmp_path,
):
    from dashboards.tasks import run_export

    settings.MEDIA_ROOT = tmp_path
    job = ExportJob.objects.create(
        user=month.user("sam"),
        spec={"kind": "ranking", "ruleset": "ND335-2025", "period": "2026-10", "type": ""},
        fmt="csv",
        title="xep-hang-2026-10",
    )
    with Queries() as queries:
        run_export(str(job.pk))
    job.refresh_from_db()
    assert job.status == ExportStatus.DONE and job.rows == 2
    primary = queries.on(DEFAULT_DB_ALIAS)
    assert any('"dashboards_exportjob"' in s for s in primary)
    assert not any('"evaluation_' in s for s in primary)
    assert any('"dashboards_indicatorsnapshot"' in s for s in queries.on(REPLICA))
    assert not any('"dashboards_exportjob"' in s for s in queries.on(REPLICA))


@ON_REPLICA
def test_creating_an_export_job_pins_the_rest_of_the_request_to_the_primary(
    october,  # noqa: F811
    month,  # noqa: F811
    client,
    settings,
    tmp_path,
):
    settings.MEDIA_ROOT = tmp_path
    settings.DASHBOARD_EXPORT_INLINE_ROWS = 0  # every table becomes a job (run eagerly here)
    client.force_login(month.user("sam"))
    with Queries() as queries:
        response = client.get("/dashboards/rankings/", {"period": "2026-10", "download": "csv"})
    assert response.status_code == 302
    job = ExportJob.objects.get()
    assert job.status == ExportStatus.DONE
    # The ranking was read on the replica before the job existed; the eager job that followed
    # the INSERT read its row back from the primary.
    assert any('"dashboards_indicatorsnapshot"' in s for s in queries.on(REPLICA))
    assert not any('"dashboards_exportjob"' in s for s in queries.on(REPLICA))


@ON_REPLICA
def test_the_export_commands_read_the_replica(october, month, tmp_path):  # noqa: F811
    with Queries() as queries:
        call_command("export_rankings", "--period", "2026-10", "-o", str(tmp_path / "r.csv"))
    assert _dashboard_reads(queries.on(REPLICA))
    assert _dashboard_reads(queries.on(DEFAULT_DB_ALIAS)) == []

    with Queries() as queries:
        call_command(
            "export_results",
            "--period",
            "2026-10",
            "--agency",
            "SOA",
            "-o",
            str(tmp_path / "k.xlsx"),
        )
    assert any('"evaluation_evaluation"' in s for s in queries.on(REPLICA))
    assert _dashboard_reads(queries.on(DEFAULT_DB_ALIAS)) == []

"""Import a generated 50,000-row staff spreadsheet and compare it with merely reading the file.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/danhgia_bench \
        python bench/imports.py [--rows 50000] [--units 500] [--seed 2026]

The file (bench/.cache/, gitignored) is built once with openpyxl's write-only mode: one agency,
``--units`` units, names from common Vietnamese family/middle/given names, a manager for most
people (the first person of each unit, who reports to the agency's first person), e-mails,
dates of birth and joining. The database is created if missing and migrated.

Prints ``name: value unit`` lines:
- read_floor: reading every cell once with openpyxl read-only (the floor any import pays);
- import_first: ``staff.imports.services.import_run`` into an empty agency (validation, the
  resource with bulk create, manager links), one transaction;
- import_again: the same file again (every row unchanged, nothing written);
- ratio: import_first / read_floor (target ≤ 3); peak_rss: the process's peak resident memory.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/danhgia_bench")

from bench.common import CACHE, ensure_database  # noqa: E402
from bench.names import FAMILY, GIVEN, MIDDLE  # noqa: E402

AGENCY = "BENCH"
CATEGORIES = ["CC", "CC", "CC", "VC", "VC", "CB", "NLĐ"]


def build_file(path: Path, rows: int, units: int, seed: int) -> None:
    from openpyxl import Workbook

    rng = random.Random(seed)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Danh sách")
    ws.append(["DANH SÁCH CÁN BỘ, CÔNG CHỨC, VIÊN CHỨC — SỞ THỬ NGHIỆM"])
    ws.append([])
    ws.append(
        [
            "Mã cán bộ",
            "Họ và tên",
            "Ngày sinh",
            "Giới tính",
            "Mã đơn vị",
            "Chức vụ",
            "Loại",
            "Nhóm nhiệm vụ",
            "Mã người quản lý",
            "Email",
            "Đảng viên",
            "Ngày vào",
        ]
    )
    per_unit = max(1, rows // units)
    for i in range(rows):
        code = f"BN{i:06d}"
        unit = min(i // per_unit, units - 1)
        head = f"BN{unit * per_unit:06d}"
        manager = "" if i == 0 else ("BN000000" if code == head else head)
        dob = dt.date(1965, 1, 1) + dt.timedelta(days=rng.randrange(0, 13000))
        joined = dt.date(1990, 1, 1) + dt.timedelta(days=rng.randrange(0, 12000))
        ws.append(
            [
                code,
                f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}",
                dob.strftime("%d/%m/%Y") if i % 2 else dob,  # text dates and Excel dates
                rng.choice(["Nam", "Nữ"]),
                f"BU{unit:04d}",
                "Chuyên viên" if code != head else "Trưởng phòng",
                rng.choice(CATEGORIES),
                "CV" if code != head else "LD",
                manager,
                f"bn{i}@bench.gov.vn",
                "x" if rng.random() < 0.4 else "",
                joined,
            ]
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    wb.save(tmp)
    tmp.replace(path)


def read_floor(path: Path) -> float:
    from openpyxl import load_workbook

    start = time.perf_counter()
    wb = load_workbook(path, read_only=True, data_only=False)
    n = 0
    for ws in wb.worksheets:
        for row in ws.iter_rows(values_only=True):
            n += len(row)
    wb.close()
    return time.perf_counter() - start


def setup_org(units: int) -> None:
    from staff.models import (
        Agency,
        AgencyType,
        DutyGroup,
        Leadership,
        Position,
        Province,
        StaffMember,
        Transfer,
        Unit,
    )

    province, _ = Province.objects.get_or_create(code="BN", defaults={"name": "Tỉnh thử"})
    kind, _ = AgencyType.objects.get_or_create(code="so", defaults={"name": "Sở"})
    agency, _ = Agency.objects.get_or_create(
        code=AGENCY, defaults={"name": "Sở Thử nghiệm", "province": province, "agency_type": kind}
    )
    Transfer.objects.filter(staff__agency=agency)._raw_delete(Transfer.objects.db)
    StaffMember.objects.filter(agency=agency).update(manager=None)
    StaffMember.objects.filter(agency=agency).delete()
    existing = set(Unit.objects.filter(agency=agency).values_list("code", flat=True))
    for u in range(units):
        code = f"BU{u:04d}"
        if code not in existing:
            Unit.objects.create(agency=agency, code=code, name=f"Phòng {u}")
    Position.objects.get_or_create(code="CV", defaults={"name": "Chuyên viên"})
    Position.objects.get_or_create(
        code="TP", defaults={"name": "Trưởng phòng", "leadership": Leadership.HEAD}
    )
    DutyGroup.objects.get_or_create(code="CV", defaults={"name": "Chuyên viên"})
    DutyGroup.objects.get_or_create(code="LD", defaults={"name": "Lãnh đạo phòng"})


def measure(rows: int = 50_000, units: int = 500, seed: int = 2026, again: bool = True) -> dict:
    """Import the generated file twice (first into an empty agency, then unchanged — unless
    ``again`` is False); returns the figures in seconds and MB. Django must be set up and
    migrated."""
    from staff.imports.services import import_run

    path = CACHE / f"staff_{rows}_{units}_{seed}.xlsx"
    if not path.exists():
        build_file(path, rows, units, seed)
    setup_org(units)
    data = path.read_bytes()

    floor = min(read_floor(path) for _ in range(2))
    start = time.perf_counter()
    report = import_run(data=data, filename=path.name, agency_code=AGENCY)
    first = time.perf_counter() - start
    if not report.written:
        print(report.as_text(limit=20))
        raise SystemExit(1)
    second = None
    if again:
        start = time.perf_counter()
        report = import_run(data=data, filename=path.name, agency_code=AGENCY)
        second = time.perf_counter() - start
        assert report.ok and report.totals["unchanged"] == rows, report.totals
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "rows": rows,
        "file_mb": len(data) / 1024 / 1024,
        "read_floor": floor,
        "import_first": first,
        "import_again": second,
        "peak_rss_mb": peak,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--units", type=int, default=500)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--no-again", action="store_true", help="skip the unchanged re-import")
    parser.add_argument("--file-only", action="store_true", help="only generate the file")
    args = parser.parse_args()
    if args.file_only:
        path = CACHE / f"staff_{args.rows}_{args.units}_{args.seed}.xlsx"
        if not path.exists():
            build_file(path, args.rows, args.units, args.seed)
        print(path)
        return

    ensure_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    r = measure(args.rows, args.units, args.seed, again=not args.no_again)
    first, floor = r["import_first"], r["read_floor"]
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    print(f"rows: {args.rows} rows")
    print(f"file_size: {r['file_mb']:.1f} MB")
    print(f"read_floor: {floor:.2f} s")
    print(f"import_first: {first:.2f} s")
    if r["import_again"] is not None:
        print(f"import_again: {r['import_again']:.2f} s")
    print(f"ratio: {first / floor:.2f} x")
    print(f"rows_per_second: {args.rows / first:.0f} rows/s")
    print(f"peak_rss: {r['peak_rss_mb']:.0f} MB")


if __name__ == "__main__":
    main()

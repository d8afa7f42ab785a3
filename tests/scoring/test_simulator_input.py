"""The simulator contract: bad input is refused with the JSON path, in Vietnamese and English."""

from decimal import Decimal as D

import pytest

from scoring.simulator import SimulationError, simulate
from tests.scoring.builders import HN3814, ND335


def batch(*people, period="2026-10", **extra):
    return {"ruleset": "ND335-2025", "period": period, "people": list(people), **extra}


def person(code="A", **fields):
    return {"code": code, "agency": "SNV", "duty_group": "CV", **fields}


def error_of(data, rules=ND335) -> SimulationError:
    with pytest.raises(SimulationError) as caught:
        simulate(data, rules)
    return caught.value


def test_output_follows_the_documented_contract():
    data = batch(
        person(
            "A",
            general={"G1": 5, "G2": 4, "G3": 5, "G4": 4, "G5": 4, "G6": 4},
            products=[{"weight": 1, "major_errors": 1}, {"weight": 1, "delays": 2}, {"weight": 2}],
        ),
        person("B", general=20, task_points=60.5),
    )
    out = simulate(data, ND335)
    assert out["ruleset"] == "ND335-2025" and out["period"] == "2026-10"
    a, b = out["people"]
    assert a["code"] == "A" and a["score"] == 91.63 and a["band"] == "HTXSNV"
    assert a["components"] == {"general": 26, "tasks": 65.63, "bonus": 0, "deductions": 0}
    assert a["level"] == "HTTNV"  # 1 candidate + 0 good → quota keeps none
    assert all(set(r) == {"code", "message", "message_en"} for r in a["reasons"])
    assert b["score"] == 80.5 and b["level"] == "HTTNV"
    (quota,) = out["quota"]
    assert quota == {
        "agency": "SNV",
        "duty_group": "CV",
        "percent": 20,
        "base": "good",
        "candidates": 1,
        "good": 1,
        "rated": 2,
        "allowed": 0,
        "kept": [],
        "moved_down": ["A"],
        "exception": None,
    }


def test_a_person_without_products_gets_a_null_level_with_a_reason():
    out = simulate(batch(person("A", general=30)), ND335)
    assert out["people"][0]["level"] is None
    assert out["people"][0]["reasons"][-1]["code"] == "tasks.no_products"


@pytest.mark.parametrize(
    ("data", "path", "fragment"),
    [
        (batch(person(general={"G1": 6})), "people[0].general.G1", "vượt mức tối đa 5"),
        (batch(person(general={"G9": 1})), "people[0].general.G9", "không có trong mẫu"),
        (batch(person(general=31)), "people[0].general", "vượt mức tối đa 30"),
        (
            batch(person(), person("B", products=[{"weight": 1}, {"weight": -1}])),
            "people[1].products[1].weight",
            "không được nhỏ hơn 0",
        ),
        (
            batch(person(products=[{"weight": "1"}])),
            "people[0].products[0].weight",
            "phải là một số",
        ),
        (
            batch(person(products=[{"weight": 1, "delays": 1.5}])),
            "people[0].products[0].delays",
            "số nguyên",
        ),
        (
            batch(person(products=[{"weight": 1, "completed": "yes"}])),
            "people[0].products[0].completed",
            "true hoặc false",
        ),
        (batch(person(products={"weight": 1})), "people[0].products", "danh sách"),
        (batch(person(subordinates=["X"])), "people[0].subordinates[0]", "không có cán bộ mã 'X'"),
        (batch(person(subordinates=["A"])), "people[0].subordinates[0]", "chính mình"),
        (
            batch(person("A", subordinates=["B"]), person("B", subordinates=["A"])),
            "people[1].subordinates",
            "vòng lặp",
        ),
        (batch(person(), person()), "people[1].code", "trùng"),
        (batch(person(code="")), "people[0].code", "không rỗng"),
        (batch(person(category="XX")), "people[0].category", "CB, CC, VC, NLD"),
        (batch(person(discipline="fired")), "people[0].discipline", "reprimand"),
        (batch(person(task_points=71)), "people[0].task_points", "vượt mức tối đa 70"),
        (batch(person(task_points=10.123)), "people[0].task_points", "2 chữ số thập phân"),
        (batch(person(bonus=1)), "people[0].bonus", "vượt mức tối đa 0"),
        (batch(period="2026-13"), "period", "YYYY-MM"),
        (batch(period="Q4-2026"), "period", "YYYY-Qn"),
        (
            batch(person(months=[{"period": "2026-01", "score": 90}]), period="2026-Q4"),
            "people[0].months[0].period",
            "không thuộc kỳ 2026-Q4",
        ),
        (
            batch(
                person(
                    months=[{"period": "2026-10", "score": 90}, {"period": "2026-10", "score": 80}]
                ),
                period="2026-Q4",
            ),
            "people[0].months[1].period",
            "lặp lại",
        ),
        (
            batch(person(months=[{"period": "2026-10", "score": 101}]), period="2026"),
            "people[0].months[0].score",
            "vượt mức tối đa 100",
        ),
        ({"period": "2026-10", "people": {}}, "people", "danh sách"),
        ([], "", "đối tượng JSON"),
        (
            batch(quota_exceptions=[{"agency": "SNV", "ceiling": -1, "reference": "QĐ 1"}]),
            "quota_exceptions[0].ceiling",
            "không âm",
        ),
    ],
)
def test_bad_input_names_its_json_path_in_vietnamese_and_english(data, path, fragment):
    error = error_of(data)
    assert error.path == path
    assert fragment in error.message
    assert error.message_en and error.message_en != error.message
    assert str(error).startswith(f"{path}: " if path else error.message)


def test_hanoi_bonus_is_accepted_up_to_ten():
    out = simulate(batch(person(general=18, task_points=70, bonus=10)), HN3814)
    assert out["people"][0]["score"] == 98
    assert (
        error_of(batch(person(general=18, task_points=70, bonus=10.5)), HN3814).path
        == "people[0].bonus"
    )


def test_quota_exceptions_are_read_from_the_input():
    data = batch(
        person("A", general=30, task_points=65),
        person("B", general=30, task_points=66),
        quota_exceptions=[
            {"agency": "SNV", "duty_group": "CV", "ceiling": 2, "reference": "QĐ 5/QĐ-UBND"}
        ],
    )
    out = simulate(data, ND335)
    assert [p["level"] for p in out["people"]] == ["HTXSNV", "HTXSNV"]
    assert out["quota"][0]["exception"] == "QĐ 5/QĐ-UBND"


def test_numbers_read_as_decimal_stay_exact():
    out = simulate(batch(person(general=D("29.99"), task_points=D("60.01"))), ND335)
    assert out["people"][0]["score"] == 90

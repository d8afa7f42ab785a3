"""The simulator page: a batch pasted or uploaded is rated with a published rule set and shown
as a table; a bad batch names the JSON path next to the input and keeps what was typed."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from scoring import services
from scoring.models import RuleSet

URL = "/rules/simulator/"
EXAMPLE = Path(settings.BASE_DIR) / "static" / "examples" / "simulator-batch.json"


def _batch(**person_overrides) -> dict:
    person = {
        "code": "P1",
        "agency": "SOA",
        "duty_group": "CV",
        "general": {f"G{i}": 5 for i in range(1, 7)},
        "products": [{"weight": 1, "completed": True}],
    }
    person.update(person_overrides)
    return {"period": "2026-10", "people": [person]}


def _textarea(page: str) -> str:
    pattern = r'<textarea[^>]*data-test="simulator-input"[^>]*>(.*?)</textarea>'
    match = re.search(pattern, page, re.S)
    assert match, "no simulator textarea"
    # The newline right after <textarea> is dropped by browsers (HTML spec), as Django does.
    return html.unescape(match.group(1).removeprefix("\n"))


def _post(client, user, **data):
    client.force_login(user)
    data.setdefault("ruleset", "ND335-2025:1")
    data.setdefault("action", "run")
    return client.post(URL, data)


@pytest.mark.parametrize("name", ["sam", "ivy"])
def test_the_province_opens_the_simulator(month, client, name):
    client.force_login(month.user(name))
    page = client.get(URL).content.decode()
    for hook in ("simulator-input", "simulator-run", "simulator-example"):
        assert f'data-test="{hook}"' in page
    assert 'value="ND335-2025:1"' in page and 'value="HN-3814:1"' in page
    assert '<label for="sim-batch">' in page and '<label for="sim-ruleset">' in page
    assert "js/simulator.js" in page and "<script>" not in page


@pytest.mark.parametrize("name", ["bob", "charlie", "huong", "alice", "Sơn"])
def test_no_one_else_may_simulate(month, client, name):
    client.force_login(month.user(name))
    assert client.get(URL).status_code == 404
    assert client.post(URL, {"batch": json.dumps(_batch())}).status_code == 404


def test_a_valid_batch_shows_the_levels(month, client):
    text = json.dumps(_batch())
    page = _post(client, month.user("sam"), batch=text).content.decode()
    assert 'data-test="simulator-result"' in page
    assert 'data-test="simulator-row-P1"' in page
    assert "HTXSNV" in page and "Hoàn thành xuất sắc nhiệm vụ" in page
    assert "100" in page  # 30 general + 70 tasks
    assert "ND335-2025 v1, kỳ 2026-10" in page
    assert _textarea(page) == text  # the batch stays for the next try


def test_reasons_and_a_person_without_products(month, client):
    batch = _batch()
    batch["people"].append(
        {"code": "P2", "agency": "SOA", "general": {f"G{i}": 4 for i in range(1, 7)}}
    )
    page = _post(client, month.user("ivy"), batch=json.dumps(batch)).content.decode()
    row = page.split('data-test="simulator-row-P2"')[1].split("</tr>")[0]
    assert "Chưa xếp loại" in row and "<li>" in row


def test_an_invalid_batch_names_the_path_and_keeps_the_pasted_text(month, client):
    batch = _batch(products=[{"weight": -1}])
    text = json.dumps(batch, indent=2)
    page = _post(client, month.user("sam"), batch=text).content.decode()
    assert 'data-test="simulator-result"' not in page
    error = page.split('data-test="simulator-error"')[1].split("</div>")[0]
    assert "people[0].products[0].weight" in error
    assert "không được nhỏ hơn 0" in error and "must not be less than 0" in error
    assert 'aria-invalid="true"' in page
    assert _textarea(page) == text


def test_a_criterion_over_its_maximum_is_named(month, client):
    text = json.dumps(_batch(general={"G1": 6}))
    page = _post(client, month.user("sam"), batch=text).content.decode()
    assert "people[0].general.G1" in page and _textarea(page) == text


def test_broken_json_says_where_and_keeps_the_text(month, client):
    text = '{"period": "2026-10", "people": [\n  {"code": "P1",}\n]}'
    page = _post(client, month.user("sam"), batch=text).content.decode()
    assert "JSON không hợp lệ ở dòng 2" in page
    assert _textarea(page) == text


def test_an_empty_batch_is_refused_next_to_the_input(month, client):
    page = _post(client, month.user("sam"), batch="  ").content.decode()
    assert "Hãy dán một lô JSON" in page


def test_an_uploaded_file_is_rated_and_shown_in_the_box(month, client):
    client.force_login(month.user("sam"))
    text = json.dumps(_batch())
    upload = SimpleUploadedFile("lo.json", text.encode(), content_type="application/json")
    page = client.post(
        URL, {"ruleset": "ND335-2025:1", "action": "run", "batch_file": upload}
    ).content.decode()
    assert 'data-test="simulator-row-P1"' in page
    assert _textarea(page) == text


def test_a_file_that_is_not_text_is_refused(month, client):
    client.force_login(month.user("sam"))
    upload = SimpleUploadedFile("lo.json", b"\xff\xfe\x00bad", content_type="application/json")
    page = client.post(
        URL, {"ruleset": "ND335-2025:1", "batch": "kept", "batch_file": upload}
    ).content.decode()
    assert "UTF-8" in page and _textarea(page) == "kept"


@pytest.mark.parametrize("choice", ["ND335-2025:1", "HN-3814:1"])
def test_the_example_fills_a_valid_batch_for_the_chosen_rule_set(month, client, choice):
    page = _post(client, month.user("sam"), action="example", ruleset=choice).content.decode()
    text = _textarea(page)
    batch = json.loads(text)
    assert batch["ruleset"] == choice.split(":")[0] and len(batch["people"]) == 4
    assert f'value="{choice}" selected' in page
    page = _post(client, month.user("sam"), batch=text, ruleset=choice).content.decode()
    assert 'data-test="simulator-error"' not in page
    assert page.count('data-test="simulator-row-VD') == 4


def test_the_static_example_file_is_a_valid_batch(month, client):
    text = EXAMPLE.read_text(encoding="utf-8")
    page = _post(client, month.user("sam"), batch=text).content.decode()
    assert 'data-test="simulator-error"' not in page
    assert page.count('data-test="simulator-row-VD') == 4


def test_only_published_versions_are_offered(month, client):
    sam = month.user("sam")
    services.ruleset_new_version(ruleset=RuleSet.objects.get(code="ND335-2025"), user=sam)
    client.force_login(sam)
    page = client.get(URL).content.decode()
    assert 'value="ND335-2025:2"' not in page
    # A forged choice of the draft is refused next to the list, never rated.
    text = json.dumps(_batch())
    page = _post(client, sam, batch=text, ruleset="ND335-2025:2").content.decode()
    assert 'data-test="simulator-result"' not in page
    assert "Hãy chọn một phiên bản đã công bố" in page and _textarea(page) == text


def test_the_rule_set_page_links_to_the_simulator_with_its_version(month, client):
    client.force_login(month.user("sam"))
    page = client.get("/rules/rulesets/ND335-2025/1/").content.decode()
    assert 'href="/rules/simulator/?ruleset=ND335-2025:1"' in page
    page = client.get(URL, {"ruleset": "HN-3814:1"}).content.decode()
    assert 'value="HN-3814:1" selected' in page


def test_one_problem_at_a_time_the_refused_file_first(month, client):
    client.force_login(month.user("sam"))
    upload = SimpleUploadedFile("lo.json", b"\xff", content_type="application/json")
    page = client.post(
        URL, {"ruleset": "NOPE:1", "action": "run", "batch": "", "batch_file": upload}
    ).content.decode()
    assert page.count('data-test="simulator-error"') == 1 and "UTF-8" in page
    assert "Hãy chọn một phiên bản đã công bố" not in page


def test_an_empty_file_is_an_empty_batch(month, client):
    client.force_login(month.user("sam"))
    upload = SimpleUploadedFile("lo.json", b"", content_type="application/json")
    page = client.post(
        URL, {"ruleset": "ND335-2025:1", "action": "run", "batch": "kept", "batch_file": upload}
    ).content.decode()
    assert "Hãy dán một lô JSON" in page and _textarea(page) == ""


def test_the_pasted_text_is_judged_as_typed(month, client):
    # No stripping and no refusal of NUL characters by the form: the JSON parser says where.
    text = '{"period": "2026-10",\n "people": ["\x00"]}'
    page = _post(client, month.user("sam"), batch=text).content.decode()
    assert "JSON không hợp lệ ở dòng 2" in page and _textarea(page) == text


def test_a_post_without_a_choice_takes_the_linked_version(month, client):
    client.force_login(month.user("sam"))
    page = client.post(
        f"{URL}?ruleset=HN-3814:1", {"action": "run", "batch": json.dumps(_batch())}
    ).content.decode()
    assert 'value="HN-3814:1" selected' in page
    assert "people[0].general.G1" in page  # rated with HN-3814, whose criteria are K1…K4

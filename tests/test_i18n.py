"""The English catalogue: Vietnamese is the source language, English comes from locale/en.

The committed ``django.mo`` is what a machine without gettext serves, so it is checked against
the ``.po`` here in plain Python, and the ``.po`` must have no untranslated or fuzzy entry: after
``makemessages -l en`` every new Vietnamese string needs its English before the suite passes.
"""

from __future__ import annotations

import gettext
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from scoring.models import CriteriaTemplate, RatingLevel, RuleSet
from staff.models import StaffCategory, StaffMember

LC_MESSAGES = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES"
PO_FILE = LC_MESSAGES / "django.po"
MO_FILE = LC_MESSAGES / "django.mo"

PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w*\}")
ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}


@pytest.fixture(autouse=True)
def _restore_language():
    """LocaleMiddleware activates the request's language for the thread and never resets it:
    without this, an ``Accept-Language: en`` request here would turn later tests English."""
    before = translation.get_language()
    yield
    if before is None:
        translation.deactivate_all()
    else:
        translation.activate(before)


@dataclass
class Entry:
    line: int
    flags: set[str] = field(default_factory=set)
    msgid: str = ""
    msgid_plural: str | None = None
    msgstrs: list[str] = field(default_factory=list)  # one per plural form, else one

    @property
    def msgstr(self) -> str:
        return self.msgstrs[0] if self.msgstrs else ""


def _unquote(text: str) -> str:
    text = text.strip()
    assert text.startswith('"') and text.endswith('"'), text
    return re.sub(r"\\(.)", lambda m: ESCAPES.get(m.group(1), m.group(1)), text[1:-1])


def parse_po(path: Path) -> list[Entry]:
    """Active entries (obsolete ``#~`` ones skipped) with their flags, msgids and msgstrs."""
    entries: list[Entry] = []
    current: Entry | None = None
    part = ""
    after_msgstr = False
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            current, after_msgstr = None, False
            continue
        starts_entry = line.startswith(("#", "msgctxt ", "msgid "))
        if current is None or (starts_entry and after_msgstr):
            current, after_msgstr = Entry(line=number), False
            entries.append(current)
        keyword, _, rest = line.partition(" ")
        if line.startswith("#,"):
            current.flags |= {flag.strip() for flag in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        elif keyword == "msgid":
            part, current.msgid = "msgid", _unquote(rest)
        elif keyword == "msgid_plural":
            part, current.msgid_plural = "msgid_plural", _unquote(rest)
        elif keyword.startswith("msgstr"):
            part, after_msgstr = "msgstr", True
            current.msgstrs.append(_unquote(rest))
        elif keyword == "msgctxt":
            part = "msgctxt"
        elif line.startswith('"'):
            if part == "msgid":
                current.msgid += _unquote(line)
            elif part == "msgid_plural":
                current.msgid_plural = (current.msgid_plural or "") + _unquote(line)
            elif part == "msgstr":
                current.msgstrs[-1] += _unquote(line)
    return [e for e in entries if e.msgid or e.msgstrs]


@pytest.fixture(scope="module")
def po_entries() -> list[Entry]:
    return parse_po(PO_FILE)


# --- The catalogue file itself ----------------------------------------------------------------


def test_po_has_no_empty_or_fuzzy_entry(po_entries):
    assert len(po_entries) > 100, "the English catalogue looks truncated"
    fuzzy = [f"line {e.line}: {e.msgid!r}" for e in po_entries if "fuzzy" in e.flags]
    empty = [
        f"line {e.line}: {e.msgid!r}"
        for e in po_entries
        if e.msgid and not (e.msgstrs and all(e.msgstrs))
    ]
    assert not fuzzy, "fuzzy entries in locale/en django.po:\n" + "\n".join(fuzzy)
    assert not empty, "untranslated entries in locale/en django.po:\n" + "\n".join(empty)


def test_po_header_is_english(po_entries):
    header = next(e for e in po_entries if e.msgid == "")
    assert "Language: en\n" in header.msgstr
    assert "charset=UTF-8" in header.msgstr


def test_translations_keep_placeholders(po_entries):
    """Bilingual messages ("Vietnamese. / English.") carry each placeholder in both halves."""
    wrong = []
    for e in po_entries:
        if not e.msgid:
            continue
        source = set(PLACEHOLDER.findall(e.msgid + (e.msgid_plural or "")))
        for form in e.msgstrs:
            found = set(PLACEHOLDER.findall(form))
            # A singular English form may leave out the count; nothing may be invented.
            if not found <= source or (e.msgid_plural is None and found != source):
                wrong.append(f"line {e.line}: {e.msgid!r} -> {form!r}")
    assert not wrong, "placeholders differ:\n" + "\n".join(wrong)


def test_committed_mo_matches_po(po_entries):
    """A stale .mo (the .po edited, compilemessages forgotten) would serve old English."""
    with MO_FILE.open("rb") as fh:
        catalogue = gettext.GNUTranslations(fh)
    stale = []
    for e in po_entries:
        if not e.msgid:
            continue
        if e.msgid_plural is None:
            served = [catalogue.gettext(e.msgid)]
        else:
            served = [catalogue.ngettext(e.msgid, e.msgid_plural, n) for n in (1, 2)]
        if served != e.msgstrs:
            stale.append(f"{e.msgid!r}: .po {e.msgstrs!r}, .mo {served!r}")
    assert not stale, "run `manage.py compilemessages -l en --ignore=.venv`:\n" + "\n".join(stale)


# --- The switch -------------------------------------------------------------------------------


def test_model_names_in_english():
    with translation.override("en"):
        assert str(StaffMember._meta.verbose_name) == "Cadres, civil servants, public employees"
        assert str(StaffMember._meta.get_field("category").verbose_name) == "Category"
        assert str(StaffCategory.CC.label) == "Civil servant"
        assert str(StaffCategory.VC.label) == "Public employee"
        assert str(RuleSet._meta.verbose_name) == "rating rule set"
        assert str(CriteriaTemplate._meta.verbose_name) == "criteria template"
        assert str(RatingLevel.HTXSNV.label) == "Excellent (HTXSNV)"
        assert str(RatingLevel.KHTNV.label) == "Not completed"


def test_model_names_in_vietnamese():
    with translation.override("vi"):
        assert str(StaffMember._meta.verbose_name) == "Cán bộ, công chức, viên chức"
        assert str(StaffMember._meta.get_field("category").verbose_name) == "Phân loại"
        assert str(StaffCategory.CC.label) == "Công chức"
        assert str(RuleSet._meta.verbose_name) == "bộ quy tắc xếp loại"
        assert str(RatingLevel.HTXSNV.label) == "Hoàn thành xuất sắc nhiệm vụ"


def test_default_language_is_vietnamese():
    assert settings.LANGUAGE_CODE == "vi"
    with translation.override(settings.LANGUAGE_CODE):
        assert str(StaffCategory.CB.label) == "Cán bộ"


def test_placeholders_are_filled_in_english():
    with translation.override("en"):
        message = translation.gettext("Đã công bố %(obj)s.") % {"obj": "ND335-2025 v2"}
    assert message == "Published ND335-2025 v2."


@pytest.mark.django_db
def test_admin_login_follows_accept_language(client):
    english = client.get("/admin/login/", headers={"accept-language": "en"})
    assert english.status_code == 200
    assert english.headers["Content-Language"] == "en"
    assert english.content.decode().count('<html lang="en"') == 1
    assert 'value="Log in"' in english.content.decode()

    default = client.get("/admin/login/")
    assert default.status_code == 200
    assert default.headers["Content-Language"] == "vi"
    assert 'value="Đăng nhập"' in default.content.decode()
    assert 'value="Log in"' not in default.content.decode()


@pytest.mark.django_db
def test_admin_index_shows_project_strings_in_english(client, django_user_model):
    client.force_login(
        django_user_model.objects.create_user("root", is_staff=True, is_superuser=True)
    )
    english = client.get("/admin/", headers={"accept-language": "en"}).content.decode()
    assert "Organisation and staff" in english
    assert "Cadres, civil servants, public employees" in english
    assert "Criteria and rating rules" in english
    assert "Tổ chức và cán bộ" not in english

    vietnamese = client.get("/admin/").content.decode()
    assert "Tổ chức và cán bộ" in vietnamese
    assert "Organisation and staff" not in vietnamese

"""Messages shown to people in two languages: Vietnamese first, English second."""

from __future__ import annotations

from django.utils.translation import gettext as _


def bilingual(vi: str, en: str) -> str:
    """ "Vietnamese — English", the form of every import message. ``vi`` is usually a
    translated string: when the user's language is English it already is the English text,
    which is then shown once rather than twice."""
    if vi.strip().rstrip(".").casefold() == en.strip().rstrip(".").casefold():
        return vi
    return f"{vi} — {en}"


def join_names(names: list[str]) -> str:
    """ "A", "A và B", "A, B và C" in the active language (the lineage sentences' lists)."""
    if len(names) < 2:
        return "".join(names)
    return _("%(names)s và %(last)s") % {"names": ", ".join(names[:-1]), "last": names[-1]}

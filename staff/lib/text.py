"""Messages shown to people in two languages: Vietnamese first, English second."""

from __future__ import annotations


def bilingual(vi: str, en: str) -> str:
    """ "Vietnamese — English", the form of every import message. ``vi`` is usually a
    translated string: when the user's language is English it already is the English text,
    which is then shown once rather than twice."""
    if vi.strip().rstrip(".").casefold() == en.strip().rstrip(".").casefold():
        return vi
    return f"{vi} — {en}"

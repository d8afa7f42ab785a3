"""Vietnamese personal names: splitting, official sort order, diacritic-free search.

Pure functions, no ORM, so they can run in ``StaffMember.save()``, in bulk imports and in tests
without a database.

Why a digit-only sort key instead of a database collation: official lists (DOMAIN.md §1) sort by
the **given name** (last word), then the middle name, then the family name, and inside a word by
the Vietnamese alphabet (a ă â b c d đ e ê g h …) with tone marks only as a tie-break. No
collation does the word order, SQLite has no Vietnamese collation at all, and PostgreSQL's depend
on the server's ICU/libc. A string of ASCII digits compares the same byte-wise everywhere, so
``ORDER BY sort_key`` is identical under SQLite and any PostgreSQL collation.
"""

from __future__ import annotations

import re
import unicodedata

# The Vietnamese alphabet, with the four letters foreign names bring (f j w z) in their Latin
# places. Each letter gets a two-digit code starting at 20 so that "00" can be a separator and
# 10–19 the digits 0–9.
_ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
_LETTER_CODE: dict[str, str] = {ch: f"{20 + i:02d}" for i, ch in enumerate(_ALPHABET)}
_DIGIT_CODE: dict[str, str] = {str(d): f"{10 + d:02d}" for d in range(10)}
_UNKNOWN_CODE = "99"  # other letters (e.g. ç, ñ) sort after z rather than vanish
_SEP = "00"

# Combining marks that make a different LETTER (ă â ê ô ơ ư) vs. those that are a TONE.
_BREVE, _CIRCUMFLEX, _HORN = "\u0306", "\u0302", "\u031b"
_LETTER_MARKS = {
    ("a", _BREVE): "ă",
    ("a", _CIRCUMFLEX): "â",
    ("e", _CIRCUMFLEX): "ê",
    ("o", _CIRCUMFLEX): "ô",
    ("o", _HORN): "ơ",
    ("u", _HORN): "ư",
}
# Tone order of Vietnamese dictionaries: none, huyền, hỏi, ngã, sắc, nặng.
_TONE_CODE = {
    "\u0300": "1",  # huyền (grave)
    "\u0309": "2",  # hỏi (hook above)
    "\u0303": "3",  # ngã (tilde)
    "\u0301": "4",  # sắc (acute)
    "\u0323": "5",  # nặng (dot below)
}
_WHITESPACE = re.compile(r"\s+")


# Look-alikes that legacy fonts and keyboards type for Đ/đ (Icelandic eth, African D).
_LOOKALIKES = str.maketrans({"Ð": "Đ", "ð": "đ", "Ɖ": "Đ", "ɖ": "đ"})


def clean_name(full_name: str) -> str:
    """NFC-normalise, replace look-alikes of Đ/đ and collapse whitespace, so that NFD input
    (macOS, some Word files), legacy-font letters and doubled spaces from spreadsheets store
    and compare like everything else."""
    text = unicodedata.normalize("NFC", full_name or "").translate(_LOOKALIKES)
    return _WHITESPACE.sub(" ", text).strip()


def split_name(full_name: str) -> tuple[str, str, str]:
    """Split "Nguyễn Thị Ngọc Ánh" into ("Nguyễn", "Thị Ngọc", "Ánh").

    Family = first word, given = last word, middle = everything between. A one-word name is a
    given name only. Compound family names (Tôn Nữ, Nguyễn Phước) cannot be told apart from a
    middle name by rule; for sorting this is harmless because the middle comes before the family.
    """
    words = clean_name(full_name).split(" ")
    words = [w for w in words if w]
    if not words:
        return ("", "", "")
    if len(words) == 1:
        return ("", "", words[0])
    return (words[0], " ".join(words[1:-1]), words[-1])


def _letters(word: str) -> list[tuple[str, str]]:
    """Decompose a word into (base letter, tone digit) pairs, whatever its normal form."""
    out: list[tuple[str, str]] = []
    for ch in unicodedata.normalize("NFD", word.casefold()):
        if unicodedata.combining(ch):
            if not out:
                continue
            base, tone = out[-1]
            if (base, ch) in _LETTER_MARKS:
                out[-1] = (_LETTER_MARKS[(base, ch)], tone)
            elif ch in _TONE_CODE:
                out[-1] = (base, _TONE_CODE[ch])
            # any other mark (e.g. a stray diaeresis) is ignored
            continue
        if ch.isalnum():
            out.append((ch, "0"))
        # punctuation such as hyphens and apostrophes does not take part in the order
    return out


def _word_key(word: str) -> str:
    """Base letters (2 digits each), "00", then one tone digit per letter.

    Letter codes are >= "10", so a word that is a prefix of another ("an" / "anh") hits "00"
    first and sorts first; equal letters mean equal length, so the tone part is a fixed-width
    tie-break. Every word key is therefore prefix-free and keys can be concatenated.
    """
    pairs = _letters(word)
    bases = "".join(_LETTER_CODE.get(b) or _DIGIT_CODE.get(b) or _UNKNOWN_CODE for b, _ in pairs)
    tones = "".join(t for _, t in pairs)
    return bases + _SEP + tones


def vietnamese_sort_key(full_name: str) -> str:
    """A digits-only key that orders names as official Vietnamese lists do.

    given word, then each middle word, "00" (end of middle: "Văn" before "Văn Anh"), then the
    family name, "00". Tones break ties inside a word before the next word is looked at, the way
    a list sorted by the "Tên" column and then by "Họ đệm" does.
    """
    family, middle, given = split_name(full_name)
    key = _word_key(given) if given else ""
    key += "".join(_word_key(w) for w in middle.split(" ") if w) + _SEP
    key += "".join(_word_key(w) for w in family.split(" ") if w) + _SEP
    return key


def _fold(text: str) -> str:
    """Lowercase, strip every diacritic, đ → d, collapse whitespace."""
    decomposed = unicodedata.normalize("NFD", (text or "").casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    stripped = stripped.replace("đ", "d")
    return _WHITESPACE.sub(" ", stripped).strip()


def search_text(*parts: str | None) -> str:
    """The stored search column: "Nguyễn Văn A", "DN000123" → "nguyen van a dn000123".

    Stored folded so that a plain ``LIKE``/``contains`` finds it on any database, with an index
    usable for prefix searches, instead of an unaccent extension only PostgreSQL has.
    """
    return _fold(" ".join(p for p in parts if p))


def normalize_query(q: str | None) -> str:
    """Fold what a user typed exactly like ``search_text`` so both sides compare equal."""
    return _fold(q or "")


def query_terms(q: str | None) -> list[str]:
    """The folded words of a query; each must occur (so "anh nguyen" finds "Nguyễn Văn Anh")."""
    return [t for t in normalize_query(q).split(" ") if t]

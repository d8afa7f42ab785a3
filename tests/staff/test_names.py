"""Vietnamese names: the official list order, NFD input, diacritic-free search (DOMAIN.md §1)."""

from __future__ import annotations

import random
import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from staff.names import (
    clean_name,
    normalize_query,
    query_terms,
    search_text,
    split_name,
    vietnamese_sort_key,
)


def _sorted(names: list[str]) -> list[str]:
    shuffled = names[:]
    random.Random(7).shuffle(shuffled)
    return sorted(shuffled, key=vietnamese_sort_key)


def assert_order(expected: list[str]) -> None:
    assert _sorted(expected) == expected
    assert _sorted(list(reversed(expected))) == expected


class TestSplitName:
    def test_it_splits_family_middle_given(self):
        assert split_name("Nguyễn Thị Ngọc Ánh") == ("Nguyễn", "Thị Ngọc", "Ánh")

    def test_it_handles_two_words(self):
        assert split_name("Lê Bảo") == ("Lê", "", "Bảo")

    def test_a_single_word_is_a_given_name(self):
        assert split_name("Bảo") == ("", "", "Bảo")

    def test_it_handles_empty_and_blank(self):
        assert split_name("") == ("", "", "")
        assert split_name("   ") == ("", "", "")

    def test_it_collapses_whitespace_and_normalises_to_nfc(self):
        nfd = unicodedata.normalize("NFD", "Trần  Văn\tĐức ")
        family, middle, given = split_name(nfd)
        assert (family, middle, given) == ("Trần", "Văn", "Đức")
        assert clean_name(nfd) == "Trần Văn Đức"


class TestSortOrder:
    def test_it_sorts_by_given_name_first(self):
        # Ánh < Bảo < Bình by given name, whatever the family names say.
        assert_order(["Trần Thị Ánh", "Lê Bảo", "Nguyễn Văn Bình"])

    def test_it_then_sorts_by_middle_then_family(self):
        assert_order(
            [
                "Trần Hoa",  # no middle name comes first
                "Phạm Thị Hoa",
                "Lê Văn Hoa",
                "Nguyễn Văn Hoa",  # same given and middle: by family name
            ]
        )

    def test_a_shorter_middle_name_comes_before_a_longer_one(self):
        assert_order(["Võ Thị Lan", "Võ Thị Ngọc Lan"])

    def test_breve_and_circumflex_letters_follow_a(self):
        # a < ă < â: "anh" < "ân" on the first letter; Ánh differs from Anh only by tone.
        assert_order(["Lê Văn Anh", "Hồ Thị Ánh", "Đỗ Văn Ân"])
        assert_order(["Bùi Văn Bảo", "Bùi Văn Bằng", "Bùi Văn Bích"])

    def test_d_with_stroke_is_a_letter_after_d(self):
        # ASCII-ish sorting would mix Đ with D or throw it after Z.
        assert_order(["Lê Văn Dũng", "Phan Văn Dương", "Hồ Văn Đạt", "Trần Văn Đức", "Lý Thị Em"])

    def test_u_with_horn_is_a_letter_after_u(self):
        # Tuấn < Tùng (â < n) < Tư (u < ư); byte order would put "Tư" first.
        assert_order(["Ngô Văn Tuấn", "Dương Văn Tùng", "Huỳnh Văn Tư", "Đặng Văn Vinh"])

    def test_o_with_horn_and_circumflex(self):
        assert_order(["Lê Thị Lo", "Lê Thị Lô", "Lê Thị Lơ"])

    def test_tones_break_ties_in_dictionary_order(self):
        # none, huyền, hỏi, ngã, sắc, nặng
        assert_order(["A Ma", "A Mà", "A Mả", "A Mã", "A Má", "A Mạ"])

    def test_tones_are_only_a_tie_break_after_base_letters(self):
        # "Bá" is a prefix of "Ban" in base letters, so it sorts first despite its tone.
        assert_order(["Lê Văn Bá", "Lê Văn Ban", "Lê Văn Bàn"])
        # Given name decides before middle: Anh (no tone) < Ánh even with a later middle name.
        assert_order(["Trần Văn Anh", "Nguyễn An Ánh"])

    def test_a_prefix_sorts_before_the_longer_word(self):
        assert_order(["Phạm Văn An", "Phạm Văn Anh", "Phạm Văn Ánh"])

    def test_case_does_not_matter(self):
        assert vietnamese_sort_key("NGUYỄN VĂN ANH") == vietnamese_sort_key("Nguyễn Văn Anh")

    def test_nfd_input_gives_the_same_key(self):
        for name in ["Nguyễn Thị Ánh", "Đặng Văn Ưng", "Trương Thị Huệ", "Phạm Ngọc Ẩn"]:
            assert vietnamese_sort_key(unicodedata.normalize("NFD", name)) == (
                vietnamese_sort_key(name)
            )

    def test_the_key_is_digits_only(self):
        key = vietnamese_sort_key("Nguyễn Thị Ngọc Ánh-Đào 2")
        assert key.isdigit() and key.isascii()

    def test_a_realistic_list_sorts_like_an_official_list(self):
        assert_order(
            [
                "Trần Thị Ánh",
                "Lê Bảo",
                "Nguyễn Văn Bình",
                "Hoàng Minh Châu",
                "Phạm Văn Cường",
                "Võ Thị Diệu",
                "Đặng Quốc Đạt",
                "Bùi Thị Hằng",
                "Huỳnh Văn Hùng",
                "Ngô Thị Hương",
                "Dương Văn Lực",
                "Lý Thị Ngọc",
                "Đỗ Hữu Phước",
                "Hồ Thị Thu",
                "Nguyễn Văn Thư",
                "Phan Thanh Tùng",
                "Trần Thị Yến",
            ]
        )


@given(st.text(alphabet="aăâbcdđeêghiklmnoôơpqrstuưvxy àáảãạềếểễệ", max_size=30))
def test_any_name_has_a_digits_only_key_stable_under_nfd(name: str):
    key = vietnamese_sort_key(name)
    assert key.isdigit()
    assert vietnamese_sort_key(unicodedata.normalize("NFD", name)) == key


class TestSearch:
    def test_it_folds_diacritics_case_and_d_with_stroke(self):
        assert search_text("Nguyễn Văn A") == "nguyen van a"
        assert search_text("ĐẶNG  Thị   Ưng", "DN000123") == "dang thi ung dn000123"

    def test_the_query_side_folds_the_same_way(self):
        assert normalize_query("  Nguyễn văn A ") == "nguyen van a"
        assert normalize_query(unicodedata.normalize("NFD", "Đức")) == "duc"
        assert normalize_query(None) == ""

    def test_a_plain_ascii_query_is_found_in_the_stored_text(self):
        assert normalize_query("nguyen van a") in search_text("Nguyễn Văn A")

    def test_query_terms_split_words(self):
        assert query_terms("Anh  NGUYỄN") == ["anh", "nguyen"]
        assert query_terms("   ") == []


def test_lookalikes_of_d_with_stroke_are_read_as_the_vietnamese_letter():
    from staff.names import clean_name, vietnamese_sort_key

    assert clean_name("Bùi Văn Ðạt") == "Bùi Văn Đạt"
    assert vietnamese_sort_key("Bùi Văn Ðạt") == vietnamese_sort_key("Bùi Văn Đạt")

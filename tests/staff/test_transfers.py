"""staff_transfer and staff_unit_for_period: a period is rated by the unit of most of its days."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from staff.models import Transfer
from staff.selectors import _unit_id_for_period, staff_unit_for_period
from staff.services import staff_transfer
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

D = dt.date


class TestStaffTransfer:
    def test_it_moves_the_person_and_records_history(self, org):
        recorder = UserFactory(username="hr")
        record = staff_transfer(
            staff=org.dan,
            to_unit=org.b_unit,
            effective_on=D(2026, 1, 10),
            reason="QĐ 12/QĐ-UBND",
            recorded_by=recorder,
        )
        org.dan.refresh_from_db()
        assert org.dan.unit == org.b_unit
        assert org.dan.agency == org.agency_b  # the denormalised agency follows the unit
        assert org.dan.manager is None  # the old manager must not keep seeing him
        assert (record.from_unit, record.to_unit) == (org.inspection, org.b_unit)
        assert record.recorded_by == recorder and record.recorded_at is not None

    def test_it_changes_who_can_see_the_person(self, org):
        from staff.access import scope_for

        staff_transfer(
            staff=org.dan,
            to_unit=org.b_unit,
            effective_on=D(2026, 1, 10),
            reason="",
            recorded_by=None,
            manager=org.charlie_sm,
        )
        assert org.dan.code not in scope_for(org.bob).staff_members().values_list("code", flat=True)
        assert scope_for(org.charlie).staff_members().filter(code=org.dan.code).exists()

    def test_it_refuses_a_transfer_to_the_same_unit(self, org):
        with pytest.raises(ValidationError):
            staff_transfer(
                staff=org.ann,
                to_unit=org.planning,
                effective_on=D(2026, 1, 1),
                reason="",
                recorded_by=None,
            )

    def test_it_refuses_a_future_date(self, org):
        with pytest.raises(ValidationError):
            staff_transfer(
                staff=org.ann,
                to_unit=org.office,
                effective_on=dt.date.today() + dt.timedelta(days=3),
                reason="",
                recorded_by=None,
            )

    def test_it_refuses_back_dating_before_the_last_transfer(self, org):
        staff_transfer(
            staff=org.ann,
            to_unit=org.office,
            effective_on=D(2026, 2, 1),
            reason="",
            recorded_by=None,
        )
        with pytest.raises(ValidationError):
            staff_transfer(
                staff=org.ann,
                to_unit=org.inspection,
                effective_on=D(2026, 1, 1),
                reason="",
                recorded_by=None,
            )
        assert Transfer.objects.filter(staff=org.ann).count() == 1

    def test_a_failed_transfer_writes_nothing(self, org):
        with pytest.raises(ValidationError):
            staff_transfer(
                staff=org.ann,
                to_unit=org.office,
                effective_on=D(2026, 1, 1),
                reason="",
                recorded_by=None,
                manager=org.ann,
            )
        org.ann.refresh_from_db()
        assert org.ann.unit == org.planning
        assert not Transfer.objects.exists()

    def test_the_history_is_append_only(self, org):
        record = staff_transfer(
            staff=org.ann,
            to_unit=org.office,
            effective_on=D(2026, 1, 1),
            reason="",
            recorded_by=None,
        )
        record.reason = "rewritten"
        with pytest.raises(ValidationError):
            record.save()
        with pytest.raises(ValidationError):
            record.delete()


class TestUnitForPeriod:
    """January 2026 has 31 days."""

    JAN = (D(2026, 1, 1), D(2026, 1, 31))

    def test_without_transfers_it_is_the_current_unit(self, org):
        assert staff_unit_for_period(staff=org.ann, start=self.JAN[0], end=self.JAN[1]) == (
            org.planning
        )

    def test_moving_late_in_the_month_keeps_the_old_unit(self, org):
        staff_transfer(
            staff=org.ann,
            to_unit=org.office,
            effective_on=D(2026, 1, 20),
            reason="",
            recorded_by=None,
        )
        # 19 days in planning, 12 in the office
        assert staff_unit_for_period(staff=org.ann, start=self.JAN[0], end=self.JAN[1]) == (
            org.planning
        )
        # February is all office
        assert (
            staff_unit_for_period(staff=org.ann, start=D(2026, 2, 1), end=D(2026, 2, 28))
            == org.office
        )

    def test_moving_early_in_the_month_takes_the_new_unit(self, org):
        staff_transfer(
            staff=org.ann,
            to_unit=org.office,
            effective_on=D(2026, 1, 10),
            reason="",
            recorded_by=None,
        )
        assert staff_unit_for_period(staff=org.ann, start=self.JAN[0], end=self.JAN[1]) == (
            org.office
        )

    def test_a_period_before_any_transfer_uses_the_first_unit(self, org):
        staff_transfer(
            staff=org.ann,
            to_unit=org.office,
            effective_on=D(2026, 1, 10),
            reason="",
            recorded_by=None,
        )
        assert (
            staff_unit_for_period(staff=org.ann, start=D(2025, 12, 1), end=D(2025, 12, 31))
            == org.planning
        )

    def test_days_in_the_same_unit_add_up(self):
        # A 1–10 (10 days), B 11–20 (10 days), A 21–31 (11 days): A has 21 days.
        transfers = [(D(2026, 1, 11), 1, 2), (D(2026, 1, 21), 2, 1)]
        assert (
            _unit_id_for_period(
                current_unit_id=1, transfers=transfers, start=D(2026, 1, 1), end=D(2026, 1, 31)
            )
            == 1
        )

    def test_three_units_the_longest_stay_wins(self):
        # A 1–5 (5), B 6–20 (15), C 21–31 (11)
        transfers = [(D(2026, 1, 6), 1, 2), (D(2026, 1, 21), 2, 3)]
        assert (
            _unit_id_for_period(
                current_unit_id=3, transfers=transfers, start=D(2026, 1, 1), end=D(2026, 1, 31)
            )
            == 2
        )

    def test_a_tie_goes_to_the_unit_held_later(self):
        # April has 30 days: 15 in A, 15 in B.
        transfers = [(D(2026, 4, 16), 1, 2)]
        assert (
            _unit_id_for_period(
                current_unit_id=2, transfers=transfers, start=D(2026, 4, 1), end=D(2026, 4, 30)
            )
            == 2
        )

    def test_it_rejects_an_inverted_period(self):
        with pytest.raises(ValueError):
            _unit_id_for_period(
                current_unit_id=1, transfers=[], start=D(2026, 2, 1), end=D(2026, 1, 1)
            )

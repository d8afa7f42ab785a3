"""Writes of the staff app: keyword-only, typed, each in one transaction."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from staff.models import StaffMember, Transfer, Unit

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser


def staff_transfer_check(*, staff: StaffMember, to_unit: Unit, effective_on: dt.date) -> None:
    """Raise ValidationError if this transfer may not be recorded (see ``staff_transfer``).

    Separate so that a form (the admin) can show the errors before anything is written.
    """
    if to_unit.pk == staff.unit_id:
        raise ValidationError({"to_unit": _("Cán bộ đã thuộc đơn vị này.")})
    if effective_on > timezone.localdate():
        raise ValidationError(
            {"effective_on": _("Chỉ ghi nhận điều động khi quyết định đã có hiệu lực.")}
        )
    last = (
        Transfer.objects.filter(staff_id=staff.pk)
        .order_by("-effective_on", "-id")
        .values_list("effective_on", flat=True)
        .first()
    )
    if last is not None and effective_on < last:
        raise ValidationError(
            {"effective_on": _("Ngày hiệu lực không được trước lần điều động gần nhất.")}
        )


@transaction.atomic
def staff_transfer(
    *,
    staff: StaffMember,
    to_unit: Unit,
    effective_on: dt.date,
    reason: str,
    recorded_by: AbstractBaseUser | None,
    manager: StaffMember | None = None,
) -> Transfer:
    """Move a person to another unit from ``effective_on`` and append it to their history.

    Rules:
    - the history is append-only and ordered, so a transfer cannot take effect before the last
      recorded one (back-dating would silently rewrite which unit rated past periods);
    - a future date is refused: ``staff.unit`` is "the unit now", and nothing would flip it later;
      record the transfer on or after the day it takes effect;
    - the direct manager is replaced by ``manager`` (None clears it): a manager left over from the
      old unit would keep seeing the person through ``staff.access`` (direct reports).
    """
    member = StaffMember.objects.select_for_update().select_related("unit").get(pk=staff.pk)
    staff_transfer_check(staff=member, to_unit=to_unit, effective_on=effective_on)
    if manager is not None and manager.pk == member.pk:
        raise ValidationError({"manager": _("Không thể là người quản lý của chính mình.")})

    record = Transfer.objects.create(
        staff=member,
        from_unit_id=member.unit_id,
        to_unit=to_unit,
        effective_on=effective_on,
        reason=reason,
        recorded_by=recorded_by,
    )
    member.unit = to_unit
    member.manager = manager
    member.save(update_fields=["unit", "manager"])
    # Keep the caller's instance in step, so it does not save the old unit back later.
    staff.unit, staff.agency_id, staff.manager = to_unit, to_unit.agency_id, manager
    return record

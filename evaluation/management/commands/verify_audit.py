"""``python manage.py verify_audit``: check every agency's chain of sign-offs.

Exit 0 and "OK: N chains, M sign-offs intact" when nothing was rewritten; otherwise print the
first broken record of each broken chain and exit 1, so cron or a monitoring probe can alert.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from staff.audit import verify_chains
from staff.models import Agency, AuditChainHead, AuditEntry


class Command(BaseCommand):
    help = (
        "Kiểm tra chuỗi băm của các lần ký (phê duyệt, công khai, kiến nghị, khóa kỳ) / "
        "Verify the hash chains of the audit trail's sign-offs."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        breaks = list(verify_chains())
        if not breaks:
            chains = AuditChainHead.objects.filter(sequence__gt=0).count()
            signed = AuditEntry.objects.filter(chained=True).count()
            self.stdout.write(self.style.SUCCESS(f"OK: {chains} chains, {signed} sign-offs intact"))
            return
        codes = dict(
            Agency.objects.filter(pk__in=[b.agency_id for b in breaks]).values_list("pk", "code")
        )
        for b in breaks:
            self.stdout.write(
                f"BROKEN: agency {codes.get(b.agency_id, b.agency_id)} — entry {b.entry_id}, "
                f"sequence {b.sequence}: {b.problem}"
            )
        self.stdout.write(
            self.style.ERROR(f"{len(breaks)} chain(s) broken / {len(breaks)} chuỗi bị sửa đổi")
        )
        raise SystemExit(1)

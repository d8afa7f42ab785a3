"""What the organisation tells the floors above it (scoring, evaluation), which it never imports.

``restructuring_checked`` is sent with a ``plan`` (``staff.restructuring.Plan``) before it is
carried out, in the preview too; a receiver returns a list of ``Problem`` for what its floor
cannot accept (the workflow: an effective date inside a closed period). Nothing is written while
any receiver objects.

``restructured`` is sent with the ``plan``, the ``restructuring`` record and the ``actor``
inside the transaction that carried it out, so a receiver's changes commit or roll back with it
(the workflow moves the unsigned evaluations of the period in progress; scoring gives a new
agency its predecessors' rule-set coverage).
"""

from __future__ import annotations

from django.dispatch import Signal

restructuring_checked = Signal()
restructured = Signal()

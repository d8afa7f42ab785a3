from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "evaluation"
    verbose_name = _("Đánh giá hằng tháng")

    def ready(self) -> None:
        # Receivers import models, so they are connected once the app registry is ready.
        from evaluation.receivers import move_unsigned_evaluations, refuse_dates_in_closed_periods
        from staff.signals import restructured, restructuring_checked

        restructuring_checked.connect(
            refuse_dates_in_closed_periods, dispatch_uid="evaluation.closed_periods"
        )
        restructured.connect(move_unsigned_evaluations, dispatch_uid="evaluation.follow_people")

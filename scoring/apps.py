from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScoringConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "scoring"
    verbose_name = _("Tiêu chí và quy tắc xếp loại")

    def ready(self) -> None:
        # Receivers import models, so they are connected once the app registry is ready.
        from scoring.receivers import cover_successors
        from staff.signals import restructured

        restructured.connect(cover_successors, dispatch_uid="scoring.cover_successors")

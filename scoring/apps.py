from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScoringConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "scoring"
    verbose_name = _("Tiêu chí và quy tắc xếp loại")

    def ready(self) -> None:
        # Receivers import models, so they are connected once the app registry is ready.
        from django.db.models.signals import post_save, pre_delete, pre_save

        from scoring.receivers import (
            cover_successors,
            refuse_published_delete,
            refuse_raw_rewrite,
            remember_raw_version,
            versioned_models,
        )
        from staff.signals import restructured

        restructured.connect(cover_successors, dispatch_uid="scoring.cover_successors")
        # Every versioned model: a fixture loaded over a published version is refused.
        for model in versioned_models(self.get_models()):
            uid = model._meta.label_lower
            pre_save.connect(refuse_raw_rewrite, sender=model, dispatch_uid=f"{uid}.raw_rewrite")
            post_save.connect(remember_raw_version, sender=model, dispatch_uid=f"{uid}.raw_made")
            pre_delete.connect(
                refuse_published_delete, sender=model, dispatch_uid=f"{uid}.published_delete"
            )

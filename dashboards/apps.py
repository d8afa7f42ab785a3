from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "dashboards"
    verbose_name = _("Bảng điều khiển")

    def ready(self) -> None:
        # Receivers import models, so they are connected once the app registry is ready.
        from dashboards.receivers import freeze_indicators
        from evaluation.signals import period_closed

        period_closed.connect(freeze_indicators, dispatch_uid="dashboards.freeze_indicators")

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StaffConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "staff"
    verbose_name = _("Tổ chức và cán bộ")

    def ready(self) -> None:
        # Connects the failed sign-in receiver.
        import staff.accesslog  # noqa: F401

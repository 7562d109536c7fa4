from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    name = "documents"
    verbose_name = _("Documents")

    def ready(self) -> None:
        # The health report lives in the project package below every app; the storage check
        # is added once the settings (which choose the storage) are loaded.
        from .health import register_health_checks

        register_health_checks()

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RemindersConfig(AppConfig):
    name = "reminders"
    verbose_name = _("Reminders")

    def ready(self) -> None:
        # Imported here, not at the top: models may be imported only once the app registry is
        # ready, and the health checks read them.
        from .health import register_health_checks

        register_health_checks()
        # Importing the receivers connects them to the signals meetings send.
        from . import receivers  # noqa: F401

        # The alliance's choice of sustainability months is kept in its reminder settings.
        self._register_sustainability_months()

    @staticmethod
    def _register_sustainability_months() -> None:
        # Imported here, not at the top: both modules read models, which load only once the
        # app registry is ready.
        from sustainability.rules import register_months_source

        from .selectors import sustainability_months_chosen

        register_months_source(sustainability_months_chosen)

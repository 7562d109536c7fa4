from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "meetings"
    verbose_name = _("Meetings")

    def ready(self) -> None:
        # Registered once the app registry is ready: the kind's loader names this app's models.
        # The documents app below keeps the agendas of past meetings and the approved and locked
        # minutes printed once; it cannot import this app.
        from documents.registry import register

        from .documents import AGENDA_KIND, MINUTES_KIND

        register(AGENDA_KIND)
        register(MINUTES_KIND)

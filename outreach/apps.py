from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutreachConfig(AppConfig):
    name = "outreach"
    verbose_name = _("Outreach")

    def ready(self) -> None:
        # The documents app below keeps the archive's copy of the information material until
        # what it shows changes; it cannot import this app, which says so once the registry is
        # ready.
        from documents.registry import register

        from .documents import INFORMATION_KIND

        register(INFORMATION_KIND)

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StakeholdersConfig(AppConfig):
    name = "stakeholders"
    verbose_name = _("Stakeholders")

    def ready(self) -> None:
        # The documents app below keeps the archive's copy of the whole mapping until what it
        # shows changes; it cannot import this app, which says so once the registry is ready.
        from documents.registry import register

        from .documents import MAPPING_KIND

        register(MAPPING_KIND)

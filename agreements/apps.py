from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AgreementsConfig(AppConfig):
    name = "agreements"
    verbose_name = _("Commitment agreement")

    def ready(self) -> None:
        # Registered once the app registry is ready: the kind's loader names this app's models.
        # The documents app below keeps the sealed signatures printed once; it cannot
        # import this app.
        from documents.registry import register

        from .documents import SIGNATURE_KIND

        register(SIGNATURE_KIND)

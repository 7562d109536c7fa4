from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActionplansConfig(AppConfig):
    name = "actionplans"
    verbose_name = _("Action plans")

    def ready(self) -> None:
        # Registered once the app registry is ready: the kind's loader names this app's models.
        # The documents app below keeps the approved plan versions printed once; it cannot
        # import this app.
        from documents.registry import register

        from .documents import PLAN_VERSION_KIND

        register(PLAN_VERSION_KIND)

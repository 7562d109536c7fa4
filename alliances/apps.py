from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlliancesConfig(AppConfig):
    name = "alliances"
    verbose_name = _("Alliances")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        # The idle timeout counts from the login (alliances.middleware.IdleTimeoutMiddleware).
        user_logged_in.connect(_start_activity_clock, dispatch_uid="alliances.activity_clock")


def _start_activity_clock(sender, request, user, **kwargs):
    from .middleware import start_activity_clock

    if request is not None and hasattr(request, "session"):
        start_activity_clock(request, user)

from functools import partial

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlliancesConfig(AppConfig):
    name = "alliances"
    verbose_name = _("Alliances")

    def ready(self):
        from allauth.mfa import signals as mfa_signals
        from django.contrib.auth.signals import user_logged_in

        # The idle timeout counts from the login (alliances.middleware.IdleTimeoutMiddleware).
        user_logged_in.connect(_start_activity_clock, dispatch_uid="alliances.activity_clock")
        # A second factor added, removed or reset is mailed to the account holder.
        for change, signal in (
            ("added", mfa_signals.authenticator_added),
            ("removed", mfa_signals.authenticator_removed),
            ("reset", mfa_signals.authenticator_reset),
        ):
            signal.connect(
                partial(_second_factor_changed, change=change),
                dispatch_uid=f"alliances.second_factor_{change}",
                weak=False,
            )


def _second_factor_changed(sender, request=None, user=None, authenticator=None, *, change, **kw):
    from .emails import send_second_factor_changed_mail

    if user is None or authenticator is None:
        return
    # Recovery codes come and go with the first and the last factor, which are mailed already;
    # only codes made anew are news of their own.
    if authenticator.type == "recovery_codes" and change != "reset":
        return
    send_second_factor_changed_mail(user=user, change=change, kind=authenticator.type)


def _start_activity_clock(sender, request, user, **kwargs):
    from .middleware import start_activity_clock

    if request is not None and hasattr(request, "session"):
        start_activity_clock(request, user)

"""Pages for reminders: a person's choices, the stop link in every mail, and the alliance's
schedule with the deliveries that went out, wait, or could not be sent."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from alliance_portal.exceptions import InvalidTransition
from alliance_portal.forms import saved_by_service
from alliance_portal.permissions import Capability
from alliances.models import User
from alliances.permissions import first_or_404, get_alliance_for_user

from . import selectors, services
from .forms import ReminderPreferencesForm, ReminderSettingsForm, kind_rows
from .kinds import SPECS
from .models import Delivery, ReminderKind
from .tokens import read_stop_token

PAGE_SIZE = 50


# A person's own reminders ----------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request):
    switched_off = selectors.kinds_switched_off(user=request.user)
    form = ReminderPreferencesForm(
        request.POST if request.method == "POST" else None,
        initial={"receive": [kind for kind in SPECS if kind not in switched_off]},
    )
    if request.method == "POST" and form.is_valid():
        services.reminder_preferences_update(
            user=request.user, receive=form.cleaned_data["receive"]
        )
        messages.success(request, _("Your reminder choices were saved."))
        return redirect("reminders:preferences")
    context = {
        "form": form,
        "mandatory": [
            ReminderKind(kind).label for kind in selectors.mandatory_kinds_for(user=request.user)
        ],
        "kinds": kind_rows(switched_off),
    }
    return render(
        request, "reminders/preferences.html", context, status=400 if form.errors else 200
    )


def _stop_target(token: str) -> tuple[User, str] | None:
    found = read_stop_token(token)
    if found is None or SPECS[found[1]].mandatory:
        return None
    user = User.objects.filter(pk=found[0], is_active=True).first()
    return (user, found[1]) if user else None


# The signed token is the credential: mail clients post here without cookies (RFC 8058's
# one-click unsubscribe), so there is no CSRF token to check.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def stop(request, token: str):
    target = _stop_target(token)
    if target is None:
        return render(request, "reminders/stop_invalid.html", status=404)
    user, kind = target
    context = {"token": token, "kind_label": ReminderKind(kind).label, "email": user.email}
    if request.method == "GET":
        return render(request, "reminders/stop.html", context)
    services.reminder_opt_out(user=user, kind=kind)
    return render(request, "reminders/stopped.html", context)


@require_POST
def resume(request, token: str):
    """Undo on the page that confirmed a stop."""
    target = _stop_target(token)
    if target is None:
        return render(request, "reminders/stop_invalid.html", status=404)
    user, kind = target
    services.reminder_opt_in(user=user, kind=kind)
    context = {"kind_label": ReminderKind(kind).label, "email": user.email}
    return render(request, "reminders/resumed.html", context)


# The alliance's reminders ----------------------------------------------------------------------


def _status_from(request, counts: dict[str, int]) -> str:
    asked = request.GET.get("status", "")
    if asked in Delivery.Status.values:
        return asked
    return Delivery.Status.FAILED if counts[Delivery.Status.FAILED] else Delivery.Status.PENDING


def _render_alliance_page(request, access, form, *, status: int = 200):
    alliance = access.alliance
    counts = selectors.delivery_counts(alliance=alliance)
    shown = _status_from(request, counts)
    paginator = Paginator(selectors.delivery_list(alliance=alliance, status=shown), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    if shown == Delivery.Status.FAILED:
        # "Send again" only where the sender would still send it (not once the person signed).
        unwanted = services.deliveries_no_longer_wanted(page.object_list)
        for delivery in page.object_list:
            reason = unwanted.get(delivery.pk)
            delivery.no_longer_wanted = Delivery.DropReason(reason).label if reason else ""
    context = {
        "access": access,
        "alliance": alliance,
        "form": form,
        "counts": counts,
        "shown": shown,
        "statuses": Delivery.Status.choices,
        "page": page,
        "last_run": selectors.last_run(),
        "horizon_days": settings.REMINDER_HORIZON_DAYS,
        "kinds": kind_rows(set()),
    }
    return render(request, "reminders/alliance.html", context, status=status)


def _back_to(alliance_id: int, status: str):
    url = reverse("reminders:alliance", kwargs={"alliance_id": alliance_id})
    return redirect(f"{url}?status={status}")


@login_required
@require_safe
def alliance_reminders(request, alliance_id: int):
    access = get_alliance_for_user(request.user, alliance_id, need=Capability.MANAGE_REMINDERS)
    row = selectors.alliance_reminder_settings(alliance=access.alliance)
    return _render_alliance_page(request, access, ReminderSettingsForm(instance=row))


@login_required
@require_POST
def settings_update(request, alliance_id: int):
    access = get_alliance_for_user(request.user, alliance_id, need=Capability.MANAGE_REMINDERS)
    row = selectors.alliance_reminder_settings(alliance=access.alliance)
    form = ReminderSettingsForm(request.POST, instance=row)
    if saved_by_service(
        request,
        form,
        lambda data: services.reminder_settings_update(
            alliance=access.alliance, actor=request.user, fields=form.service_fields()
        ),
        _("The reminder schedule was saved."),
    ):
        return redirect("reminders:alliance", alliance_id=alliance_id)
    # The form re-reads the saved row for anything it did not change.
    form.instance = selectors.alliance_reminder_settings(alliance=access.alliance)
    return _render_alliance_page(request, access, form, status=400)


@login_required
@require_POST
def delivery_retry(request, alliance_id: int, delivery_id: int):
    access = get_alliance_for_user(request.user, alliance_id, need=Capability.MANAGE_REMINDERS)
    delivery = first_or_404(
        Delivery.objects.select_related("recipient", "alliance").filter(alliance=access.alliance),
        pk=delivery_id,
    )
    try:
        services.delivery_retry(delivery=delivery, actor=request.user)
    except InvalidTransition as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("The reminder to %(email)s will be sent again.")
            % {"email": delivery.recipient.email},
        )
    return _back_to(alliance_id, Delivery.Status.FAILED)


@login_required
@require_POST
def retry_failed(request, alliance_id: int):
    access = get_alliance_for_user(request.user, alliance_id, need=Capability.MANAGE_REMINDERS)
    count = services.deliveries_retry_failed(alliance=access.alliance, actor=request.user)
    if count:
        messages.success(
            request,
            ngettext(
                "%(count)d reminder will be sent again.",
                "%(count)d reminders will be sent again.",
                count,
            )
            % {"count": count},
        )
    else:
        messages.info(request, _("There were no failed reminders to send again."))
    return _back_to(alliance_id, Delivery.Status.PENDING)

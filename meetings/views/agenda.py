"""Meetings and the agenda builder: authorise → bind form → call service → message → redirect."""

from __future__ import annotations

import copy

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from alliance_portal.forms import (
    message_service_errors,
    saved_by_service,
    service_error_messages,
)
from alliance_portal.permissions import Capability
from alliances.permissions import get_alliance_for_user

from .. import selectors, services
from ..forms import AgendaItemForm, AnswerForm, MeetingForm
from ..models import Meeting
from ..permissions import get_agenda_item_for_user, get_meeting_for_user

PAGE_SIZE = 20

# What each status change is called on its confirmation page and in its message.
TRANSITIONS = {
    "publish": (
        services.agenda_publish,
        gettext_lazy("Publish the agenda?"),
        gettext_lazy(
            "Every invitee gets the agenda by email, with a link to answer whether they come "
            "and the meeting as a calendar file."
        ),
        gettext_lazy("Yes, publish and notify"),
        gettext_lazy("The agenda was published and the invitees notified."),
    ),
    "held": (
        services.meeting_mark_held,
        gettext_lazy("Mark the meeting as held?"),
        gettext_lazy("Record who was present and write the minutes next."),
        gettext_lazy("Yes, it was held"),
        gettext_lazy("The meeting is marked as held."),
    ),
    "cancel": (
        services.meeting_cancel,
        gettext_lazy("Cancel the meeting?"),
        gettext_lazy(
            "The meeting stays in the list as cancelled, and calendars that subscribe to it "
            "show it as cancelled. This cannot be undone."
        ),
        gettext_lazy("Yes, cancel the meeting"),
        gettext_lazy("The meeting was cancelled."),
    ),
}


def meeting_context(access, meeting: Meeting, **extra) -> dict:
    return {"access": access, "alliance": access.alliance, "meeting": meeting, **extra}


@login_required
@require_safe
def meeting_list(request, alliance_id: int):
    access = get_alliance_for_user(request.user, alliance_id, need=Capability.VIEW_MEETINGS)
    page = Paginator(selectors.meeting_list(alliance=access.alliance), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    for meeting in page.object_list:
        meeting.local_start = selectors.local_time(access.alliance, meeting.starts_at)
    return render(
        request,
        "meetings/list.html",
        {"access": access, "alliance": access.alliance, "page": page},
    )


@login_required
@require_http_methods(["GET", "POST"])
def meeting_create(request, alliance_id: int):
    access = get_alliance_for_user(request.user, alliance_id, need=Capability.MANAGE_MEETINGS)
    form = MeetingForm(
        request.POST or None, alliance=access.alliance, submit_label=_("Create the meeting")
    )
    meeting = saved_by_service(
        request,
        form,
        lambda data: services.meeting_create(
            alliance=access.alliance, actor=request.user, fields=data
        ),
        _(
            "The meeting was created with the guide's standing agenda items and every "
            "member invited. Adjust the agenda, then publish it."
        ),
    )
    if meeting:
        return redirect("meetings:detail", access.alliance.pk, meeting.pk)
    return render(
        request,
        "meetings/meeting_form.html",
        {"access": access, "alliance": access.alliance, "form": form, "title": _("New meeting")},
    )


@login_required
@require_safe
def meeting_detail(request, alliance_id: int, meeting_id: int):
    access, meeting = get_meeting_for_user(request.user, alliance_id, meeting_id)
    return _render_detail(request, access, meeting)


def _render_detail(request, access, meeting: Meeting, *, moved=None, status_message=""):
    own = selectors.own_participation(meeting, request.user)
    return render(
        request,
        "meetings/detail.html",
        {
            "access": access,
            **selectors.agenda_context(meeting),
            "minutes": getattr(meeting, "minutes", None),
            "own_participation": own,
            "answer_form": AnswerForm(initial={"response": own.response}) if own else None,
            "item_form": AgendaItemForm(submit_label=_("Add the item")),
            "moved": moved,
            "move_directions": tuple(MOVES),
            "status_message": status_message,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def meeting_edit(request, alliance_id: int, meeting_id: int):
    access, meeting = get_meeting_for_user(
        request.user, alliance_id, meeting_id, need=Capability.MANAGE_MEETINGS
    )
    form = MeetingForm(request.POST or None, instance=copy.copy(meeting), alliance=access.alliance)
    if saved_by_service(
        request,
        form,
        lambda data: services.meeting_update(meeting=meeting, actor=request.user, fields=data),
        _("The meeting was saved."),
    ):
        return redirect("meetings:detail", access.alliance.pk, meeting.pk)
    return render(
        request,
        "meetings/meeting_form.html",
        meeting_context(access, meeting, form=form, title=_("Edit the meeting")),
    )


@login_required
@require_http_methods(["GET", "POST"])
def meeting_transition(request, alliance_id: int, meeting_id: int, action: str):
    access, meeting = get_meeting_for_user(
        request.user, alliance_id, meeting_id, need=Capability.MANAGE_MEETINGS
    )
    if action not in TRANSITIONS:
        raise Http404
    service, title, explanation, confirm_label, done = TRANSITIONS[action]
    if request.method == "POST":
        try:
            service(meeting=meeting, actor=request.user)
        except ValidationError as exc:
            message_service_errors(request, exc)
        else:
            messages.success(request, done)
        return redirect("meetings:detail", access.alliance.pk, meeting.pk)
    return render(
        request,
        "meetings/confirm.html",
        meeting_context(
            access,
            meeting,
            title=title,
            explanation=explanation,
            confirm_label=confirm_label,
            danger=action == "cancel",
            cancel_url=reverse("meetings:detail", args=[access.alliance.pk, meeting.pk]),
        ),
    )


# Agenda items -----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def agenda_item_add(request, alliance_id: int, meeting_id: int):
    access, meeting = get_meeting_for_user(
        request.user, alliance_id, meeting_id, need=Capability.MANAGE_MEETINGS
    )
    form = AgendaItemForm(request.POST or None, submit_label=_("Add the item"))
    item = saved_by_service(
        request,
        form,
        lambda data: services.agenda_item_add(meeting=meeting, actor=request.user, fields=data),
        lambda item: _("“%(item)s” was added to the agenda.") % {"item": item},
    )
    if item:
        return redirect(_agenda_url(access, meeting, item.pk))
    return render(
        request,
        "meetings/item_form.html",
        meeting_context(access, meeting, form=form, title=_("Add an agenda item")),
    )


def _agenda_url(access, meeting: Meeting, item_id: int | None = None) -> str:
    url = reverse("meetings:detail", args=[access.alliance.pk, meeting.pk])
    return f"{url}#agenda-item-{item_id}" if item_id else f"{url}#agenda"


@login_required
@require_http_methods(["GET", "POST"])
def agenda_item_edit(request, alliance_id: int, meeting_id: int, item_id: int):
    access, item = get_agenda_item_for_user(
        request.user, alliance_id, meeting_id, item_id, need=Capability.MANAGE_MEETINGS
    )
    form = AgendaItemForm(request.POST or None, instance=copy.copy(item))
    if saved_by_service(
        request,
        form,
        lambda data: services.agenda_item_update(item=item, actor=request.user, fields=data),
        _("The agenda item was saved."),
    ):
        return redirect(_agenda_url(access, item.meeting, item.pk))
    return render(
        request,
        "meetings/item_form.html",
        meeting_context(access, item.meeting, form=form, title=_("Edit the agenda item")),
    )


@login_required
@require_http_methods(["GET", "POST"])
def agenda_item_remove(request, alliance_id: int, meeting_id: int, item_id: int):
    access, item = get_agenda_item_for_user(
        request.user, alliance_id, meeting_id, item_id, need=Capability.MANAGE_MEETINGS
    )
    meeting = item.meeting
    if request.method == "POST":
        try:
            services.agenda_item_remove(item=item, actor=request.user)
        except ValidationError as exc:
            message_service_errors(request, exc)
        else:
            messages.success(request, _("“%(item)s” was removed from the agenda.") % {"item": item})
        return redirect(_agenda_url(access, meeting))
    return render(
        request,
        "meetings/confirm.html",
        meeting_context(
            access,
            meeting,
            title=_("Remove “%(item)s” from the agenda?") % {"item": item},
            explanation=_("The other items move up. Minutes already started keep their copy."),
            confirm_label=_("Yes, remove it"),
            danger=True,
            cancel_url=_agenda_url(access, meeting, item.pk),
        ),
    )


MOVES = {"up": -1, "down": 1}


def _focus_direction(item, direction: str) -> str:
    """The button that keeps keyboard focus after a move: the same one, unless the item reached
    the end of the agenda, where that button is disabled."""
    if direction == "up" and item.position == 1:
        return "down"
    if direction == "down" and item.position == item.meeting.agenda_items.count():
        return "up"
    return direction


@login_required
@require_POST
def agenda_item_move(request, alliance_id: int, meeting_id: int, item_id: int):
    """Moves an item one place; htmx swaps the agenda in place, a plain form reloads the page."""
    access, item = get_agenda_item_for_user(
        request.user, alliance_id, meeting_id, item_id, need=Capability.MANAGE_MEETINGS
    )
    direction = request.POST.get("direction", "")
    status_message = ""
    try:
        if direction not in MOVES:
            raise ValidationError(_("Choose whether to move the item up or down."))
        services.agenda_item_move(item=item, actor=request.user, offset=MOVES[direction])
    except ValidationError as exc:
        status_message = " ".join(service_error_messages(exc))
        if not request.htmx:
            messages.error(request, status_message)
    else:
        item.refresh_from_db(fields=["position"])
        status_message = _("“%(item)s” is now item %(position)s.") % {
            "item": item,
            "position": item.position,
        }
    if request.htmx:
        return _render_detail(
            request,
            access,
            item.meeting,
            moved={"id": item.pk, "direction": _focus_direction(item, direction)},
            status_message=status_message,
        )
    return redirect(_agenda_url(access, item.meeting, item.pk))

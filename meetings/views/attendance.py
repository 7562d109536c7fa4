"""Invitees, their answers and attendance at the meeting."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from alliance_portal.forms import message_service_errors, saved_by_service
from alliance_portal.permissions import Capability
from alliances.selectors import invitation_default_language

from .. import selectors, services
from ..forms import AnswerForm, AttendanceForm, GuestForm
from ..permissions import get_meeting_for_user, get_participant_by_key
from .agenda import meeting_context


def _participants_page(
    request,
    access,
    meeting,
    *,
    attendance_form=None,
    guest_form=None,
    spot_guest_form=None,
    status=200,
):
    people = selectors.participants(meeting)
    return render(
        request,
        "meetings/participants.html",
        meeting_context(
            access,
            meeting,
            people=people,
            summary=selectors.attendance_summary(meeting, people),
            local_start=selectors.local_time(access.alliance, meeting.starts_at),
            attendance_form=attendance_form or AttendanceForm(participants=people),
            guest_form=guest_form or _guest_form(access, request.user),
            spot_guest_form=spot_guest_form or GuestForm(prefix="spot", email_required=False),
        ),
        status=status,
    )


def _guest_form(access, inviter) -> GuestForm:
    language = invitation_default_language(alliance=access.alliance, inviter=inviter)
    return GuestForm(prefix="guest", initial={"language": language})


@login_required
@require_http_methods(["GET", "POST"])
def participants(request, alliance_id: int, meeting_id: int):
    """Everyone sees who is invited and their answers; organisers record attendance here."""
    need = Capability.MANAGE_MEETINGS if request.method == "POST" else Capability.VIEW_MEETINGS
    access, meeting = get_meeting_for_user(request.user, alliance_id, meeting_id, need=need)
    if request.method == "GET":
        return _participants_page(request, access, meeting)
    form = AttendanceForm(request.POST, participants=selectors.participants(meeting))
    changed = saved_by_service(
        request,
        form,
        lambda data: services.attendance_record(
            meeting=meeting, actor=request.user, attendance=form.attendance()
        ),
        lambda changed: _("Attendance was saved (%(count)s changed).") % {"count": len(changed)},
    )
    # An empty list is a save that changed nothing.
    if changed is not None:
        return redirect("meetings:participants", access.alliance.pk, meeting.pk)
    return _participants_page(request, access, meeting, attendance_form=form, status=400)


@login_required
@require_POST
def guest_invite(request, alliance_id: int, meeting_id: int):
    """A guest invited by email, or (`on_the_spot`) added as present at the meeting itself."""
    access, meeting = get_meeting_for_user(
        request.user, alliance_id, meeting_id, need=Capability.MANAGE_MEETINGS
    )
    on_the_spot = bool(request.POST.get("on_the_spot"))
    prefix = "spot" if on_the_spot else "guest"
    form = GuestForm(request.POST, prefix=prefix, email_required=not on_the_spot)
    if saved_by_service(
        request,
        form,
        lambda data: services.guest_invite(
            meeting=meeting, actor=request.user, present=on_the_spot, **data
        ),
        lambda guest: _guest_message(meeting, on_the_spot=on_the_spot) % {"name": guest.name},
    ):
        return redirect("meetings:participants", access.alliance.pk, meeting.pk)
    forms = {"spot_guest_form" if on_the_spot else "guest_form": form}
    return _participants_page(request, access, meeting, status=400, **forms)


def _guest_message(meeting, *, on_the_spot: bool) -> str:
    if on_the_spot:
        return _("%(name)s was added as present.")
    if meeting.agenda_is_published:
        return _("%(name)s was invited and has been sent the agenda.")
    return _("%(name)s was invited; they get the agenda when it is published.")


@login_required
@require_POST
def answer(request, alliance_id: int, meeting_id: int):
    """A member answers for themselves on the meeting page."""
    access, meeting = get_meeting_for_user(request.user, alliance_id, meeting_id)
    participant = selectors.own_participation(meeting, request.user)
    if participant is None:
        messages.error(request, _("You are not on this meeting's list of invitees."))
        return redirect("meetings:detail", access.alliance.pk, meeting.pk)
    _record_answer(request, participant, AnswerForm(request.POST), actor=request.user)
    return redirect("meetings:detail", access.alliance.pk, meeting.pk)


def _record_answer(request, participant, form, *, actor) -> bool:
    if not form.is_valid():
        messages.error(request, _("Choose yes, no or maybe."))
        return False
    try:
        services.participant_answer(
            participant=participant, response=form.cleaned_data["response"], actor=actor
        )
    except ValidationError as exc:
        message_service_errors(request, exc)
        return False
    messages.success(
        request,
        _("Thank you. Your answer is: %(answer)s.")
        % {"answer": participant.get_response_display()},
    )
    return True


@require_http_methods(["GET", "POST"])
def answer_by_link(request, key: str):
    """The answer link from the invitation mail: works without an account, for guests too."""
    participant = get_participant_by_key(key)
    meeting = participant.meeting
    if request.method == "POST":
        actor = request.user if request.user.is_authenticated else None
        if _record_answer(request, participant, AnswerForm(request.POST), actor=actor):
            return redirect("meetings:answer_by_link", key)
    return render(
        request,
        "meetings/answer.html",
        {
            "participant": participant,
            "meeting": meeting,
            "meeting_alliance": meeting.alliance,
            "local_start": selectors.local_time(meeting.alliance, meeting.starts_at),
            "local_end": selectors.local_time(meeting.alliance, meeting.ends_at),
            "form": AnswerForm(initial={"response": participant.response}),
        },
    )

"""The minutes: writing them with autosave, the conflict screen, the workflow and the history.

A save carries the version the page was based on. When someone else saved in between, nothing is
overwritten: the conflict screen shows the saved text beside the text that was not saved.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from alliance_portal.canonical import canonical_sha256
from alliance_portal.forms import message_service_errors, service_error_messages
from alliance_portal.permissions import Capability
from alliance_portal.richtext import sanitise_html

from .. import selectors, services
from ..forms import CorrectionReasonForm, DecidedActionForm, MemberCommentForm
from ..models import Minutes, MinutesItem
from ..permissions import (
    can_read_minutes,
    get_decided_action_for_user,
    get_meeting_for_user,
    get_minutes_for_user,
    get_minutes_item_for_user,
    get_revision_for_user,
    require_readable_minutes,
)
from .agenda import meeting_context

COMMENT_FIELD = "comment-{}"
NO_ACTIONS_FIELD = "no_actions-{}"

TRANSITIONS = {
    "circulate": (
        Capability.MANAGE_MEETINGS,
        services.minutes_circulate,
        gettext_lazy("Circulate the minutes for comments?"),
        gettext_lazy(
            "All members can read the minutes and comment on each item. You can still edit "
            "them until they are approved."
        ),
        gettext_lazy("Yes, circulate them"),
        gettext_lazy("The minutes were circulated for comments."),
    ),
    "approve": (
        Capability.APPROVE_MINUTES,
        services.minutes_approve,
        gettext_lazy("Approve the minutes?"),
        gettext_lazy(
            "Approval records you as approver and stores a SHA-256 fingerprint of the minutes "
            "exactly as shown. Afterwards, changes are corrections with a stated reason, "
            "visible to everyone."
        ),
        gettext_lazy("Yes, approve the minutes"),
        gettext_lazy("The minutes were approved."),
    ),
    "lock": (
        Capability.MANAGE_MEETINGS,
        services.minutes_lock,
        gettext_lazy("Lock the minutes?"),
        gettext_lazy("Locked minutes can never change again, not even by a correction."),
        gettext_lazy("Yes, lock them"),
        gettext_lazy("The minutes are locked."),
    ),
}

# The rich-text editor's own button labels, in the reader's language.
EDITOR_LABELS = {
    "bold": gettext_lazy("Bold"),
    "italic": gettext_lazy("Italic"),
    "strike": gettext_lazy("Strikethrough"),
    "link": gettext_lazy("Link"),
    "heading1": gettext_lazy("Heading"),
    "quote": gettext_lazy("Quote"),
    "code": gettext_lazy("Code"),
    "bullets": gettext_lazy("Bullets"),
    "numbers": gettext_lazy("Numbers"),
    "outdent": gettext_lazy("Decrease level"),
    "indent": gettext_lazy("Increase level"),
    "undo": gettext_lazy("Undo"),
    "redo": gettext_lazy("Redo"),
    "url": gettext_lazy("Web address"),
    "urlPlaceholder": gettext_lazy("Enter a web address…"),
    "unlink": gettext_lazy("Remove link"),
    # Not Trix's own: names each comment's toolbar, followed by the comment's label.
    "toolbar": gettext_lazy("Text formatting"),
}

ERR_NO_BASE_VERSION = gettext_lazy(
    "The page did not say which version it was based on. Reload the minutes and try again."
)
ERR_CHANGED_SINCE_SHOWN = gettext_lazy(
    "The minutes changed after this page was opened. Read them again before approving."
)


def _minutes_url(access, minutes: Minutes, item_id: int | None = None) -> str:
    url = reverse("meetings:minutes", args=[access.alliance.pk, minutes.meeting_id])
    return f"{url}#item-{item_id}" if item_id else url


def _options(field, selected: str = "") -> str:
    """The <option>s of a form field's select, without its empty choice, as HTML rendered once.

    Every item's "add a decided action" form lists the same members and organisations; written
    out by the template for each item, the page's cost grew with items times people.
    """
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        (
            (value, " selected" if str(value) == selected else "", label)
            for value, label in field.choices
            if value != ""
        ),
    )


# What an option shows: a member's name (User.__str__) and organisation, an organisation's
# name and municipality (Organisation.__str__).
MEMBER_OPTION_FIELDS = (
    "pk",
    "organisation_name",
    "user__first_name",
    "user__last_name",
    "user__email",
    "user__username",
)


def _responsible_options(access, data=None) -> dict[str, str]:
    """The options of the responsible member and organisation selects, labelled as the form
    labels them, with the posted ones selected again when a form comes back with errors."""
    fields = _action_form(access).fields
    # The options show names only: the rest of 450 members' and organisations' rows would be
    # read and turned into objects for nothing.
    members, organisations = fields["responsible_member"], fields["responsible_organisation"]
    members.queryset = members.queryset.only(*MEMBER_OPTION_FIELDS)
    organisations.queryset = organisations.queryset.only("pk", "name", "municipality")
    data = data or {}
    return {
        "member_options": _options(
            fields["responsible_member"], data.get("responsible_member", "")
        ),
        "organisation_options": _options(
            fields["responsible_organisation"], data.get("responsible_organisation", "")
        ),
    }


def _page_context(access, minutes: Minutes, **extra) -> dict:
    context = selectors.minutes_context(minutes, with_comments=True)
    latest = selectors.revisions(minutes).first()
    editing = access.can(Capability.MANAGE_MEETINGS) and minutes.text_is_editable
    return {
        **context,
        "access": access,
        "latest_revision": latest,
        "editing": editing,
        **(_responsible_options(access) if editing else {}),
        "editor_labels": EDITOR_LABELS,
        "previous_minutes": getattr(context["previous_meeting"], "minutes", None)
        if context["previous_meeting"]
        else None,
        **extra,
    }


@login_required
@require_safe
def minutes_page(request, alliance_id: int, meeting_id: int):
    access, minutes = get_minutes_for_user(request.user, alliance_id, meeting_id)
    if not can_read_minutes(access, minutes):
        return render(
            request, "meetings/minutes_not_shared.html", meeting_context(access, minutes.meeting)
        )
    return render(request, "meetings/minutes.html", _page_context(access, minutes))


@login_required
@require_POST
def minutes_start(request, alliance_id: int, meeting_id: int):
    access, meeting = get_meeting_for_user(
        request.user, alliance_id, meeting_id, need=Capability.MANAGE_MEETINGS
    )
    try:
        services.minutes_start(meeting=meeting, actor=request.user)
    except ValidationError as exc:
        message_service_errors(request, exc)
        return redirect("meetings:detail", access.alliance.pk, meeting.pk)
    return redirect("meetings:minutes", access.alliance.pk, meeting.pk)


def _submitted_text(request, minutes: Minutes) -> tuple[dict[int, str], dict[int, bool]]:
    """The comments and "not applicable" ticks a save sent, by item id."""
    comments, no_actions = {}, {}
    for item in minutes.items.all():
        field = COMMENT_FIELD.format(item.pk)
        if field in request.POST:
            comments[item.pk] = request.POST[field]
            no_actions[item.pk] = bool(request.POST.get(NO_ACTIONS_FIELD.format(item.pk)))
    return comments, no_actions


def _base_version(request) -> int:
    """The version the submitted page was based on; a save without one is refused."""
    value = request.POST.get("base_version", "")
    # isascii: "²" and other Unicode digits pass isdigit() but not int().
    if not (value.isascii() and value.isdigit() and len(value) < 10):
        raise ValidationError(ERR_NO_BASE_VERSION, code="no_version")
    return int(value)


def _conflict_rows(minutes: Minutes, comments: dict[int, str], no_actions: dict[int, bool]):
    rows = []
    for item in minutes.items.all():
        if item.pk not in comments:
            continue
        mine = sanitise_html(comments[item.pk])
        rows.append(
            {
                "item": item,
                "saved": item.comment_html,
                "mine": mine,
                "no_actions": no_actions.get(item.pk, False),
                "differs": mine != item.comment_html,
            }
        )
    return rows


def _not_saved(request, access, minutes: Minutes, submitted, exc, *, status):
    """The screen for a save that was refused: the saved text beside the text that was not."""
    minutes.refresh_from_db()
    rows = _conflict_rows(minutes, *submitted)
    context = {
        **meeting_context(access, minutes.meeting),
        "minutes": minutes,
        "rows": rows,
        "reason": getattr(exc, "code", "") or "invalid",
        "errors": service_error_messages(exc),
        "latest_revision": selectors.revisions(minutes).first(),
        "can_overwrite": getattr(exc, "code", "") == "stale" and minutes.text_is_editable,
    }
    template = (
        "meetings/_not_saved_panel.html" if request.htmx else "meetings/minutes_not_saved.html"
    )
    response = render(request, template, context, status=status)
    if request.htmx:
        response["HX-Retarget"] = "#minutes-editor"
        response["HX-Reswap"] = "outerHTML"
    return response


@login_required
@require_POST
def minutes_save(request, alliance_id: int, meeting_id: int):
    """Autosave (htmx) and the plain "Save" button both post here with the base version."""
    access, minutes = get_minutes_for_user(
        request.user, alliance_id, meeting_id, need=Capability.MANAGE_MEETINGS
    )
    comments, no_actions = _submitted_text(request, minutes)
    try:
        services.minutes_save(
            minutes=minutes,
            actor=request.user,
            base_version=_base_version(request),
            comments=comments,
            no_actions=no_actions,
        )
    except ValidationError as exc:
        code = getattr(exc, "code", "")
        if request.htmx and code not in ("stale", "locked", "not_editable"):
            # Too long, say: the text stays in the editor and the status says why.
            return render(
                request,
                "meetings/_save_status.html",
                {"errors": service_error_messages(exc), "minutes": minutes},
                status=422,
            )
        status = 409 if code in ("stale", "locked", "not_editable") else 400
        return _not_saved(request, access, minutes, (comments, no_actions), exc, status=status)
    if request.htmx:
        return render(
            request,
            "meetings/_save_status.html",
            {"minutes": minutes, "saved_at": timezone.now(), "update_version": True},
        )
    messages.success(request, _("The minutes were saved."))
    return redirect(_minutes_url(access, minutes))


@login_required
@require_http_methods(["GET", "POST"])
def minutes_correct(request, alliance_id: int, meeting_id: int):
    """A correction of approved minutes, with the reason everyone will see."""
    access, minutes = get_minutes_for_user(
        request.user, alliance_id, meeting_id, need=Capability.MANAGE_MEETINGS
    )
    form = CorrectionReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        comments, flags = _submitted_text(request, minutes)
        try:
            services.minutes_correct(
                minutes=minutes,
                actor=request.user,
                base_version=_base_version(request),
                comments=comments,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            code = getattr(exc, "code", "")
            status = 409 if code in ("stale", "locked") else 400
            return _not_saved(request, access, minutes, (comments, flags), exc, status=status)
        messages.success(request, _("The correction was saved with its reason."))
        return redirect(_minutes_url(access, minutes))
    if minutes.status != Minutes.Status.APPROVED:
        messages.info(
            request,
            _("Only approved minutes are corrected; these are %(status)s.")
            % {"status": minutes.get_status_display().lower()},
        )
        return redirect(_minutes_url(access, minutes))
    return render(
        request,
        "meetings/minutes_correct.html",
        {**_page_context(access, minutes), "form": form},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def minutes_transition(request, alliance_id: int, meeting_id: int, action: str):
    if action not in TRANSITIONS:
        raise Http404
    need, service, title, explanation, confirm_label, done = TRANSITIONS[action]
    access, minutes = get_minutes_for_user(request.user, alliance_id, meeting_id, need=need)
    content_sha256 = canonical_sha256(selectors.minutes_content(minutes))
    if request.method == "POST":
        try:
            # The chair approves exactly what the confirmation page showed them.
            if action == "approve" and request.POST.get("sha256") != content_sha256:
                raise ValidationError(ERR_CHANGED_SINCE_SHOWN)
            service(minutes=minutes, actor=request.user)
        except ValidationError as exc:
            message_service_errors(request, exc)
        else:
            messages.success(request, done)
        return redirect(_minutes_url(access, minutes))
    return render(
        request,
        "meetings/minutes_confirm.html",
        {
            **meeting_context(access, minutes.meeting),
            "minutes": minutes,
            "action": action,
            "title": title,
            "explanation": explanation,
            "confirm_label": confirm_label,
            "content_sha256": content_sha256,
            "cancel_url": _minutes_url(access, minutes),
        },
    )


@login_required
@require_POST
def minutes_record_approval(request, alliance_id: int, meeting_id: int, item_id: int):
    """Records under "minutes of the previous meeting" that this meeting approved them."""
    access, item = get_minutes_item_for_user(
        request.user, alliance_id, meeting_id, item_id, need=Capability.MANAGE_MEETINGS
    )
    try:
        previous = services.minutes_record_approval(item=item, actor=request.user)
    except ValidationError as exc:
        message_service_errors(request, exc)
    else:
        messages.success(
            request,
            _("The minutes of %(meeting)s are recorded as approved at this meeting.")
            % {"meeting": previous.meeting},
        )
    return redirect(_minutes_url(access, item.minutes, item.pk))


# Decided actions and members' comments ----------------------------------------------------------


def _action_form(access, data=None) -> DecidedActionForm:
    members, organisations = selectors.responsible_choices(access.alliance)
    return DecidedActionForm(data, members=members, organisations=organisations)


def _item_actions(request, access, item: MinutesItem):
    """The item's decided actions, swapped in place by htmx."""
    item = selectors.minutes_item_with_actions(item)
    return render(
        request,
        "meetings/_item_actions.html",
        {
            "access": access,
            "alliance": access.alliance,
            "minutes": item.minutes,
            "meeting": item.minutes.meeting,
            "item": item,
            "editing": True,
        },
    )


def _action_dialog_fields(request, access, form: DecidedActionForm, *, status: int):
    """The fields of the editor's "add a decided action" dialog, with the form's errors and the
    values typed, swapped into the dialog that is still open."""
    response = render(
        request,
        "meetings/_action_dialog_fields.html",
        {"action_form": form, **_responsible_options(access, form.data)},
        status=status,
    )
    response["HX-Retarget"] = "#action-dialog-fields"
    response["HX-Reswap"] = "innerHTML"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def decided_action_add(request, alliance_id: int, meeting_id: int, item_id: int):
    access, item = get_minutes_item_for_user(
        request.user, alliance_id, meeting_id, item_id, need=Capability.MANAGE_MEETINGS
    )
    form = _action_form(access, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.decided_action_add(
                item=item,
                actor=request.user,
                title=data["title"],
                responsible_member=data["responsible_member"],
                responsible_organisation=data["responsible_organisation"],
                due_date=None if data["not_applicable"] else data["due_date"],
            )
        except ValidationError as exc:
            # Field names differ between the service and this form: show the errors on top.
            for message in service_error_messages(exc):
                form.add_error(None, message)
        else:
            if request.htmx:
                return _item_actions(request, access, item)
            messages.success(request, _("The action was added."))
            return redirect(_minutes_url(access, item.minutes, item.pk))
    if request.htmx:
        return _action_dialog_fields(
            request, access, form, status=422 if request.method == "POST" else 200
        )
    return render(
        request,
        "meetings/action_form.html",
        {**meeting_context(access, item.minutes.meeting), "item": item, "form": form},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def decided_action_remove(request, alliance_id: int, meeting_id: int, action_id: int):
    access, action = get_decided_action_for_user(
        request.user, alliance_id, meeting_id, action_id, need=Capability.MANAGE_MEETINGS
    )
    item = action.decided_in
    try:
        services.decided_action_remove(action=action, actor=request.user)
    except ValidationError as exc:
        message_service_errors(request, exc)
    else:
        if request.htmx:
            return _item_actions(request, access, item)
        messages.success(request, _("The action was removed."))
    return redirect(_minutes_url(access, item.minutes, item.pk))


@login_required
@require_POST
def member_comment_add(request, alliance_id: int, meeting_id: int, item_id: int):
    access, item = get_minutes_item_for_user(
        request.user, alliance_id, meeting_id, item_id, need=Capability.COMMENT_MINUTES
    )
    form = MemberCommentForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError([error for errors in form.errors.values() for error in errors])
        services.member_comment_add(item=item, actor=request.user, body=form.cleaned_data["body"])
    except ValidationError as exc:
        message_service_errors(request, exc)
    else:
        messages.success(request, _("Your comment was added."))
    return redirect(_minutes_url(access, item.minutes, item.pk))


# History ----------------------------------------------------------------------------------------


@login_required
@require_safe
def minutes_history(request, alliance_id: int, meeting_id: int):
    access, minutes = get_minutes_for_user(request.user, alliance_id, meeting_id)
    require_readable_minutes(access, minutes)
    return render(
        request,
        "meetings/minutes_history.html",
        {
            **meeting_context(access, minutes.meeting),
            "minutes": minutes,
            "revisions": selectors.revisions(minutes),
        },
    )


@login_required
@require_safe
def minutes_revision(request, alliance_id: int, meeting_id: int, revision_id: int):
    access, minutes, revision = get_revision_for_user(
        request.user, alliance_id, meeting_id, revision_id
    )
    require_readable_minutes(access, minutes)
    previous, diff = selectors.revision_with_previous(minutes, revision)
    return render(
        request,
        "meetings/minutes_revision.html",
        {
            **meeting_context(access, minutes.meeting),
            "minutes": minutes,
            "revision": revision,
            "previous": previous,
            "diff": diff,
        },
    )

"""Writes to minutes: editing with versions and revisions, circulating, approving, locking,
members' comments, and the actions decided in them."""

from __future__ import annotations

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from actionplans.models import ERR_ONE_RESPONSIBLE, Action
from alliance_portal.canonical import canonical_sha256
from alliance_portal.exceptions import InvalidTransition
from alliance_portal.permissions import Capability, role_can
from alliance_portal.richtext import sanitise_html
from alliances.audit import audit_record
from alliances.models import Membership, User
from documents.services import document_store_when_committed
from stakeholders.models import Organisation

from .. import selectors, signals
from ..models import (
    ERR_COMMENT_STATUS,
    MAX_COMMENT_CHARS,
    Meeting,
    Minutes,
    MinutesComment,
    MinutesItem,
    MinutesRevision,
    StandingItem,
)
from .meetings import _ensure_not_cancelled

# Autosaves by the same person within this time extend their revision instead of adding one.
REVISION_COALESCE = timedelta(minutes=10)

ERR_COMMENT_TOO_LONG = _(
    "The comment on “%(item)s” is %(length)s characters long; the most is %(limit)s. "
    "Nothing was saved: shorten it and save again."
)
ERR_UNKNOWN_ITEM = _("These minutes have no such item.")
ERR_REASON_REQUIRED = _("Say why the approved minutes are corrected.")
ERR_CORRECTION_CHANGES_NOTHING = _("The correction changes nothing: edit a comment first.")
ERR_RESPONSIBLE_ELSEWHERE = _("Choose a member or organisation of this alliance.")
ERR_NOT_PREVIOUS_MINUTES = _(
    "Minutes are approved under the item “Minutes of the previous meeting”."
)
ERR_NO_PREVIOUS_MINUTES = _("There are no circulated minutes of a previous meeting to approve.")


# Minutes ----------------------------------------------------------------------------------------


def _record_revision(
    *, minutes: Minutes, actor: User, kind: str = MinutesRevision.Kind.EDIT, reason: str = ""
) -> MinutesRevision:
    """Stores the minutes' content as of now; autosaves by one person in a row share a revision."""
    content = selectors.minutes_content(minutes)
    digest = canonical_sha256(content)
    now = timezone.now()
    latest = minutes.revisions.order_by("-version", "-pk").first()
    if (
        kind == MinutesRevision.Kind.EDIT
        and latest is not None
        and latest.kind == MinutesRevision.Kind.EDIT
        and latest.author_id == actor.pk
        and now - latest.saved_at < REVISION_COALESCE
    ):
        latest.version, latest.content, latest.sha256, latest.saved_at = (
            minutes.version,
            content,
            digest,
            now,
        )
        latest.save(update_fields=["version", "content", "sha256", "saved_at"])
        return latest
    return MinutesRevision.objects.create(
        minutes=minutes,
        version=minutes.version,
        kind=kind,
        author=actor,
        created_at=now,
        saved_at=now,
        content=content,
        sha256=digest,
        reason=reason,
    )


@transaction.atomic
def minutes_start(*, meeting: Meeting, actor: User) -> Minutes:
    """Minutes for the meeting, starting from a copy of its agenda as it stands now."""
    _ensure_not_cancelled(meeting)
    existing = Minutes.objects.filter(meeting=meeting).first()
    if existing is not None:
        return existing
    minutes = Minutes.objects.create(meeting=meeting)
    MinutesItem.objects.bulk_create(
        MinutesItem(
            minutes=minutes,
            position=item.position,
            kind=item.kind,
            title=item.title,
            description=item.description,
            presenter=item.presenter,
        )
        for item in meeting.agenda_items.all()
    )
    _record_revision(minutes=minutes, actor=actor)
    audit_record(actor=actor, action="minutes.started", obj=minutes, alliance=meeting.alliance)
    return minutes


def _clean_comments(minutes: Minutes, comments: dict[int, str]) -> dict[MinutesItem, str]:
    items = {item.pk: item for item in minutes.items.all()}
    cleaned = {}
    for item_id, html in comments.items():
        item = items.get(item_id)
        if item is None:
            raise ValidationError(ERR_UNKNOWN_ITEM)
        safe = sanitise_html(html)
        if len(safe) > MAX_COMMENT_CHARS:
            raise ValidationError(
                ERR_COMMENT_TOO_LONG
                % {"item": item.title, "length": len(safe), "limit": MAX_COMMENT_CHARS}
            )
        cleaned[item] = safe
    return cleaned


def _claim_next_version(minutes: Minutes, base_version: int) -> None:
    """Moves the version on by one, but only from the version the save was based on.

    One conditional UPDATE decides between two saves from the same version on every database:
    the second finds the version already moved and is refused.
    """
    claimed = Minutes.objects.filter(pk=minutes.pk, version=base_version).update(
        version=F("version") + 1, updated_at=timezone.now()
    )
    if not claimed:
        minutes.refresh_from_db(fields=["version", "status"])
        minutes.ensure_version(base_version)
    minutes.version = base_version + 1


def _write_comments(
    minutes: Minutes, base_version: int, comments: dict[int, str], no_actions: dict[int, bool]
) -> list[MinutesItem]:
    """Writes the sanitised comments that differ from the saved ones under the next version;
    returns the items that changed (none: nothing is written and the version stays)."""
    cleaned = _clean_comments(minutes, comments)
    minutes.ensure_version(base_version)
    changed = []
    for item, html in cleaned.items():
        flag = no_actions.get(item.pk, item.no_actions)
        if item.comment_html != html or item.no_actions != flag:
            item.comment_html, item.no_actions = html, flag
            changed.append(item)
    if changed:
        _claim_next_version(minutes, base_version)
        MinutesItem.objects.bulk_update(changed, ["comment_html", "no_actions"])
    return changed


@transaction.atomic
def minutes_save(
    *,
    minutes: Minutes,
    actor: User,
    base_version: int,
    comments: dict[int, str],
    no_actions: dict[int, bool] | None = None,
) -> Minutes:
    """Saves the comments typed since `base_version`; refused when anyone saved in between.

    Raises InvalidTransition with code "stale" on a conflict, "locked" or "not_editable" when the
    minutes' status forbids editing, and ValidationError for an oversize comment.
    """
    minutes.ensure_editable()
    # An autosave that changes nothing leaves no new version behind.
    if _write_comments(minutes, base_version, comments, no_actions or {}):
        _record_revision(minutes=minutes, actor=actor)
    return minutes


@transaction.atomic
def minutes_correct(
    *, minutes: Minutes, actor: User, base_version: int, comments: dict[int, str], reason: str
) -> Minutes:
    """A correction of approved minutes: a new revision with its reason, visible to everyone."""
    minutes.ensure_correctable()
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": ERR_REASON_REQUIRED})
    changed = _write_comments(minutes, base_version, comments, {})
    if not changed:
        raise ValidationError(ERR_CORRECTION_CHANGES_NOTHING)
    revision = _record_revision(
        minutes=minutes, actor=actor, kind=MinutesRevision.Kind.CORRECTION, reason=reason
    )
    audit_record(
        actor=actor,
        action="minutes.corrected",
        obj=minutes,
        alliance=minutes.meeting.alliance,
        changes={
            "reason": reason,
            "items": ", ".join(item.title for item in changed),
            "sha256": revision.sha256,
        },
    )
    return minutes


@transaction.atomic
def minutes_circulate(*, minutes: Minutes, actor: User) -> Minutes:
    minutes.circulate()
    minutes.save(update_fields=["status", "circulated_at", "updated_at"])
    audit_record(actor=actor, action="minutes.circulated", obj=minutes)
    commenters = (
        Membership.objects.active()
        .filter(alliance_id=minutes.meeting.alliance_id)
        .exclude(user=actor)
        .values_list("user_id", "role")
    )
    signals.minutes_circulated.send(
        sender=Minutes,
        minutes=minutes,
        recipient_ids=[
            user_id for user_id, role in commenters if role_can(role, Capability.COMMENT_MINUTES)
        ],
    )
    return minutes


def _approve(minutes: Minutes, actor: User, at_meeting: Meeting | None) -> Minutes:
    content = selectors.minutes_content(minutes)
    minutes.approve(by=actor, content_sha256=canonical_sha256(content), at_meeting=at_meeting)
    minutes.save(
        update_fields=[
            "status",
            "approved_at",
            "approved_by",
            "approved_at_meeting",
            "approved_sha256",
            "updated_at",
        ]
    )
    _record_revision(minutes=minutes, actor=actor, kind=MinutesRevision.Kind.APPROVAL)
    audit_record(
        actor=actor,
        action="minutes.approved",
        obj=minutes,
        alliance=minutes.meeting.alliance,
        changes={
            "sha256": minutes.approved_sha256,
            **({"at_meeting": str(at_meeting)} if at_meeting else {}),
        },
    )
    document_store_when_committed("minutes", minutes)
    return minutes


@transaction.atomic
def minutes_approve(*, minutes: Minutes, actor: User) -> Minutes:
    """The chair's approval; stores the SHA-256 of the minutes' canonical content."""
    return _approve(minutes, actor, None)


@transaction.atomic
def minutes_record_approval(*, item: MinutesItem, actor: User) -> Minutes:
    """Records, under this meeting's "previous minutes" item, that the previous minutes were
    approved at this meeting."""
    if item.kind != StandingItem.PREVIOUS_MINUTES:
        raise InvalidTransition(ERR_NOT_PREVIOUS_MINUTES)
    previous = selectors.previous_meeting(item.minutes.meeting)
    previous_minutes = getattr(previous, "minutes", None) if previous else None
    if previous_minutes is None or previous_minutes.status != Minutes.Status.CIRCULATED:
        raise InvalidTransition(ERR_NO_PREVIOUS_MINUTES)
    return _approve(previous_minutes, actor, item.minutes.meeting)


@transaction.atomic
def minutes_lock(*, minutes: Minutes, actor: User) -> Minutes:
    minutes.lock()
    minutes.save(update_fields=["status", "locked_at", "updated_at"])
    audit_record(actor=actor, action="minutes.locked", obj=minutes)
    document_store_when_committed("minutes", minutes)
    return minutes


@transaction.atomic
def member_comment_add(*, item: MinutesItem, actor: User, body: str) -> MinutesComment:
    if item.minutes.status != Minutes.Status.CIRCULATED:
        raise InvalidTransition(ERR_COMMENT_STATUS)
    comment = MinutesComment(item=item, author=actor, body=body.strip())
    comment.full_clean()
    comment.save()
    audit_record(
        actor=actor,
        action="minutes.commented",
        obj=item.minutes,
        alliance=item.minutes.meeting.alliance,
    )
    return comment


# Decided actions --------------------------------------------------------------------------------


@transaction.atomic
def decided_action_add(
    *,
    item: MinutesItem,
    actor: User,
    title: str,
    responsible_member: Membership | None = None,
    responsible_organisation: Organisation | None = None,
    due_date: date | None = None,
) -> Action:
    """An action decided under a minutes item; it is tracked with the alliance's other actions."""
    minutes = item.minutes
    minutes.ensure_editable()
    alliance = minutes.meeting.alliance
    # The minutes record one responsible per decision; a plan's action may name both.
    if responsible_member is not None and responsible_organisation is not None:
        raise ValidationError(ERR_ONE_RESPONSIBLE)
    if responsible_member is not None and (
        responsible_member.alliance_id != alliance.pk or not responsible_member.is_active
    ):
        raise ValidationError({"responsible_member": ERR_RESPONSIBLE_ELSEWHERE})
    if (
        responsible_organisation is not None
        and not alliance.stakeholders.filter(organisation=responsible_organisation).exists()
    ):
        raise ValidationError({"responsible_organisation": ERR_RESPONSIBLE_ELSEWHERE})
    action = Action(
        alliance=alliance,
        title=title.strip(),
        responsible_member=responsible_member,
        responsible_organisation=responsible_organisation,
        due_date=due_date,
        decided_in=item,
        created_by=actor,
        budget_currency=alliance.currency,
    )
    action.full_clean()
    action.save()
    if item.no_actions:
        item.no_actions = False
        item.save(update_fields=["no_actions"])
    audit_record(actor=actor, action="action.decided", obj=action)
    return action


@transaction.atomic
def decided_action_remove(*, action: Action, actor: User) -> None:
    action.decided_in.minutes.ensure_editable()
    audit_record(actor=actor, action="action.removed", obj=action)
    action.delete()

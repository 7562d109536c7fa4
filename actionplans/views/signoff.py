"""Sign-off: submitting a version, the chair's review, approval or return, versions and diffs."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from alliance_portal.converters import is_id
from alliance_portal.forms import add_service_errors, message_service_errors
from alliance_portal.permissions import Capability
from alliance_portal.throttle import THROTTLED, password_failed, password_refused
from alliances.signin import reauthentication_context, recent_reauthentication

from .. import selectors, services
from ..forms import ApproveForm, ReturnForm
from ..models import ERR_STALE_HASH, ActionPlan
from ..permissions import get_plan_for_user, get_version_for_user
from .plans import plan_context, plan_url

CURRENT = "current"


@login_required
@require_http_methods(["GET", "POST"])
def plan_submit(request, alliance_id: int, plan_id: int):
    access, plan = get_plan_for_user(
        request.user, alliance_id, plan_id, need=Capability.MANAGE_PLANS
    )
    if request.method == "POST":
        try:
            version = services.plan_submit(plan=plan, actor=request.user)
        except ValidationError as exc:
            message_service_errors(request, exc)
        else:
            messages.success(
                request,
                _("Version %(number)d was submitted to the chair for sign-off.")
                % {"number": version.number},
            )
        return redirect(plan_url(plan))
    return render(
        request,
        "actionplans/confirm.html",
        plan_context(
            access,
            plan,
            title=_("Submit version %(number)d for sign-off?") % {"number": plan.version},
            explanation=_(
                "The chair reviews exactly what the plan says now. Until they approve or return "
                "it, the plan cannot be changed; you can withdraw the submission to change it. "
                "Progress on actions can still be recorded."
            ),
            confirm_label=_("Submit for sign-off"),
            cancel_url=plan_url(plan),
        ),
    )


@login_required
@require_POST
def plan_withdraw(request, alliance_id: int, plan_id: int):
    _access, plan = get_plan_for_user(
        request.user, alliance_id, plan_id, need=Capability.MANAGE_PLANS
    )
    try:
        services.plan_withdraw(plan=plan, actor=request.user)
    except ValidationError as exc:
        message_service_errors(request, exc)
    else:
        messages.success(request, _("The submission was withdrawn; the plan is a draft again."))
    return redirect(plan_url(plan))


ERR_CONFIRM_FIRST = gettext_lazy(
    "Enter your password, or confirm it is you with one of the other ways below. Nothing was "
    "approved."
)


def _review_context(access, plan: ActionPlan, **forms) -> dict:
    version = selectors.submitted_version(plan)
    approved = selectors.latest_approved_version(plan)
    changes = (
        selectors.version_diff(approved.snapshot, version.snapshot)
        if version is not None and approved is not None
        else None
    )
    return plan_context(
        access,
        plan,
        version=version,
        content=version.snapshot if version else None,
        approved=approved,
        changes=changes,
        approve_form=forms.get("approve_form")
        or ApproveForm(initial={"sha256": version.sha256 if version else ""}),
        return_form=forms.get("return_form")
        or ReturnForm(initial={"sha256": version.sha256 if version else ""}),
        # The other ways to prove it come back to the review page, also from a refused post.
        reauthentication=reauthentication_context(
            forms["request"],
            reverse("actionplans:plan_review", args=[access.alliance.pk, plan.pk]),
        ),
    )


@login_required
@require_safe
def plan_review(request, alliance_id: int, plan_id: int):
    """The chair's read-only view of exactly the version submitted, with its hash."""
    access, plan = get_plan_for_user(
        request.user, alliance_id, plan_id, need=Capability.APPROVE_PLANS
    )
    return render(
        request, "actionplans/review.html", _review_context(access, plan, request=request)
    )


def _decision(request, alliance_id: int, plan_id: int, form_class, *, form_name, decide):
    """The chair's approval or return: `decide(plan, cleaned_data)` calls the service and
    returns the success message. A mistake in the chair's own field (password, comments) is
    shown on the review page; a version that is no longer the one waiting is refused with a
    message, and nothing changes."""
    access, plan = get_plan_for_user(
        request.user, alliance_id, plan_id, need=Capability.APPROVE_PLANS
    )
    form = form_class(request.POST)
    refusal = None
    if form.is_valid():
        try:
            message = decide(plan, form.cleaned_data)
        except ValidationError as exc:
            own_fields = set(getattr(exc, "error_dict", {})) & set(form.fields)
            if own_fields:
                add_service_errors(form, exc)
            else:
                refusal = exc
        else:
            messages.success(request, message)
            return redirect(plan_url(plan))
    elif form.has_error("sha256"):
        refusal = ValidationError(ERR_STALE_HASH)
    if refusal is not None:
        message_service_errors(request, refusal)
        return redirect("actionplans:plan_review", access.alliance.pk, plan.pk)
    return render(
        request,
        "actionplans/review.html",
        _review_context(access, plan, request=request, **{form_name: form}),
        status=429 if form.has_error("password", code=THROTTLED) else 400,
    )


def _locked_out(message: str) -> ValidationError:
    return ValidationError({"password": ValidationError(message, code=THROTTLED)})


def _approve(request, plan: ActionPlan, data: dict) -> str:
    # A code, a passkey or a fresh login at the provider a moment ago proves it is the chair;
    # otherwise the password, counted like a login's: a wrong one here brings the lockout
    # closer, and while the account or address is locked even the right one is refused.
    if confirmed_by := recent_reauthentication(request):
        version = services.plan_approve(
            plan=plan, actor=request.user, shown_sha256=data["sha256"], confirmed_by=confirmed_by
        )
        return _approved_message(version)
    if not data["password"]:
        raise ValidationError({"password": ERR_CONFIRM_FIRST})
    if locked := password_refused(request, request.user):
        raise _locked_out(locked)
    try:
        version = services.plan_approve(
            plan=plan, actor=request.user, shown_sha256=data["sha256"], password=data["password"]
        )
    except ValidationError as exc:
        wrong_password = "password" in getattr(exc, "error_dict", {})
        if wrong_password and (locked := password_failed(request, request.user)):
            raise _locked_out(locked) from exc
        raise
    return _approved_message(version)


def _approved_message(version) -> str:
    return _("You approved version %(number)d. Its content and hash are now frozen.") % {
        "number": version.number
    }


def _return(request, plan: ActionPlan, data: dict) -> str:
    services.plan_return(
        plan=plan, actor=request.user, shown_sha256=data["sha256"], comments=data["comments"]
    )
    return _("The plan was returned to its authors with your comments.")


@login_required
@require_POST
def plan_approve(request, alliance_id: int, plan_id: int):
    return _decision(
        request,
        alliance_id,
        plan_id,
        ApproveForm,
        form_name="approve_form",
        decide=lambda plan, data: _approve(request, plan, data),
    )


@login_required
@require_POST
def plan_return(request, alliance_id: int, plan_id: int):
    return _decision(
        request,
        alliance_id,
        plan_id,
        ReturnForm,
        form_name="return_form",
        decide=lambda plan, data: _return(request, plan, data),
    )


# Versions ---------------------------------------------------------------------------------------


@login_required
@require_safe
def plan_versions(request, alliance_id: int, plan_id: int):
    access, plan = get_plan_for_user(request.user, alliance_id, plan_id)
    return render(
        request,
        "actionplans/versions.html",
        plan_context(access, plan, versions=selectors.plan_versions(plan)),
    )


@login_required
@require_safe
def version_detail(request, alliance_id: int, plan_id: int, number: int):
    access, plan, version = get_version_for_user(request.user, alliance_id, plan_id, number)
    return render(
        request,
        "actionplans/version_detail.html",
        plan_context(access, plan, version=version, content=version.snapshot),
    )


def _side(plan: ActionPlan, value: str | None, default: str) -> tuple[str, dict]:
    """One side of a diff: a version number or "current", and its content; 404 if unknown."""
    value = (value or default).strip()
    if value == CURRENT:
        return CURRENT, selectors.plan_content(plan)
    if not is_id(value):
        raise Http404
    version = selectors.plan_version(plan, int(value))
    if version is None:
        raise Http404
    return value, version.snapshot


@login_required
@require_safe
def plan_diff(request, alliance_id: int, plan_id: int):
    """What changed between two versions; by default the last approved one and the current."""
    access, plan = get_plan_for_user(request.user, alliance_id, plan_id)
    versions = selectors.plan_versions(plan)
    if not versions:
        messages.info(request, _("There is nothing to compare yet: no version was submitted."))
        return redirect(reverse("actionplans:versions", args=[access.alliance.pk, plan.pk]))
    approved = next((version for version in versions if version.is_approved), versions[0])
    before_key, before = _side(plan, request.GET.get("from"), str(approved.number))
    after_key, after = _side(plan, request.GET.get("to"), CURRENT)
    return render(
        request,
        "actionplans/diff.html",
        plan_context(
            access,
            plan,
            versions=versions,
            before_key=before_key,
            after_key=after_key,
            diff=selectors.version_diff(before, after),
        ),
    )

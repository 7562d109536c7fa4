"""Access helpers for commitment agreements: fetch and authorise in one step.

Versions and signatures hang off the user's own alliance, so another alliance's ids answer 404.
A member may open their own signature; anyone else's needs the right to see signatures (403).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from alliance_portal.permissions import Capability
from alliances.permissions import AllianceAccess, first_or_404, get_alliance_for_user

from .models import Agreement, AgreementVersion, Signature


def get_agreement_for_user(
    user, alliance_id: int, *, need: Capability = Capability.VIEW_AGREEMENT
) -> tuple[AllianceAccess, Agreement]:
    """The alliance's agreement; 404 when it has none yet."""
    access = get_alliance_for_user(user, alliance_id, need=need)
    agreement = first_or_404(Agreement.objects, alliance=access.alliance)
    agreement.alliance = access.alliance
    return access, agreement


def get_version_for_user(
    user, alliance_id: int, number: int, *, need: Capability = Capability.VIEW_AGREEMENT
) -> tuple[AllianceAccess, AgreementVersion]:
    access, agreement = get_agreement_for_user(user, alliance_id, need=need)
    version = first_or_404(
        agreement.versions.select_related("published_by").prefetch_related("translations"),
        number=number,
    )
    version.agreement = agreement
    return access, version


def get_current_version_for_user(
    user, alliance_id: int, *, need: Capability
) -> tuple[AllianceAccess, AgreementVersion]:
    """The version members sign now; 404 before the first is published."""
    access, agreement = get_agreement_for_user(user, alliance_id, need=need)
    version = first_or_404(
        agreement.versions.prefetch_related("translations"), superseded_at__isnull=True
    )
    version.agreement = agreement
    return access, version


def get_signature_for_user(
    user, alliance_id: int, signature_id: int, *, need: Capability = Capability.VIEW_SIGNATURES
) -> tuple[AllianceAccess, Signature]:
    """A signature of this alliance: the signer's own, or anyone's with `need`."""
    access = get_alliance_for_user(user, alliance_id)
    signature = first_or_404(
        Signature.objects.select_related(
            "version__agreement__alliance", "membership__user", "countersigned_by"
        ),
        pk=signature_id,
        version__agreement__alliance=access.alliance,
    )
    own = signature.membership.user_id == user.pk
    if not (own and need == Capability.VIEW_SIGNATURES):
        access.require(need)
    return access, signature


def require_own_signature(access: AllianceAccess, signature: Signature) -> None:
    """Only the signer answers for their own signature (withdrawing, say)."""
    if signature.membership_id != access.membership.pk:
        raise PermissionDenied

"""What the second-factor pages need to know of the person: which kinds of factor they have."""

from __future__ import annotations

from allauth.mfa.models import Authenticator
from django import template

register = template.Library()


@register.simple_tag
def second_factor_types(user) -> frozenset[str]:
    """The kinds of second factor `user` has set up ("totp", "recovery_codes", "webauthn")."""
    if user is None or user.pk is None:
        return frozenset()
    return frozenset(Authenticator.objects.filter(user=user).values_list("type", flat=True))

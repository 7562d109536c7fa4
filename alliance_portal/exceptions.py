"""Exceptions shared by the apps."""

from __future__ import annotations

from django.core.exceptions import ValidationError


class InvalidTransition(ValidationError):
    """A state change that the object's current state does not allow."""

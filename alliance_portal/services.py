"""Helpers shared by the apps' services."""

from __future__ import annotations

from typing import Any


def assign_fields(obj, fields: dict[str, Any], allowed: tuple[str, ...]) -> list[str]:
    """Sets the allowed fields on obj and returns the names of those that changed.

    A name outside `allowed` is a programming error, not user input, so it raises ValueError.
    """
    changed = []
    for name, value in fields.items():
        if name not in allowed:
            raise ValueError(f"{name} cannot be set here")
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed.append(name)
    return changed

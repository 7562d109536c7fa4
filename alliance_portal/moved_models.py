"""A migration operation for models that move from one app to another and keep their tables."""

from __future__ import annotations

from django.db import migrations


def _relabel(*, models: tuple[str, ...], old: str, new: str):
    def relabel(apps, schema_editor) -> None:
        content_type = apps.get_model("contenttypes", "ContentType")
        for model in models:
            if not content_type.objects.filter(app_label=new, model=model).exists():
                content_type.objects.filter(app_label=old, model=model).update(app_label=new)

    return relabel


def content_types_follow(*, models: tuple[str, ...], from_app: str, to_app: str):
    """Existing content types, and so permissions, group grants and admin history, move with
    their models (under the same ids); migrating back gives them back. A label already taken
    (a content type created meanwhile) is left alone rather than duplicated."""
    return migrations.RunPython(
        _relabel(models=models, old=from_app, new=to_app),
        _relabel(models=models, old=to_app, new=from_app),
    )

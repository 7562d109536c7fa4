"""Model pieces shared by the apps."""

from __future__ import annotations

from django.core.validators import MaxLengthValidator
from django.db import models

# The longest free text (a note, a reason, a comment) a record keeps, unless a field says otherwise.
MAX_TEXT_CHARS = 2_000


def limited_text(verbose_name, limit: int = MAX_TEXT_CHARS) -> models.TextField:
    """An optional text of at most `limit` characters, checked by the model itself (a
    TextField's max_length only sizes the form's box)."""
    return models.TextField(
        verbose_name, max_length=limit, blank=True, validators=[MaxLengthValidator(limit)]
    )


# Marks people type in front of a list item, which a list of points does not keep.
LIST_MARKS = "-*\N{BULLET}\N{EN DASH}"


def text_lines(text: str) -> list[str]:
    """The non-empty lines of a text, one point each, without list marks typed in front."""
    lines = (line.strip().lstrip(LIST_MARKS).strip() for line in text.splitlines())
    return [line for line in lines if line]


class AppendOnlyQuerySet(models.QuerySet):
    """Refuses bulk changes: rows of an append-only model are written once and kept."""

    def update(self, **kwargs):
        raise PermissionError(self.model.APPEND_ONLY_MESSAGE)

    def delete(self):
        raise PermissionError(self.model.APPEND_ONLY_MESSAGE)


class AppendOnlyModel(models.Model):
    """A record that is written once and never changed or deleted, also not by staff: the audit
    log, a signer's event log. Its manager should be AppendOnlyQuerySet.as_manager()."""

    APPEND_ONLY_MESSAGE = "These records are append-only."

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise PermissionError(self.APPEND_ONLY_MESSAGE)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError(self.APPEND_ONLY_MESSAGE)

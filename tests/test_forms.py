"""Shared form fields: a submitted id that cannot be a database id is an invalid choice."""

from __future__ import annotations

import pytest
from django import forms

from alliance_portal.forms import IdChoiceField, IdMultipleChoiceField
from alliances.models import User


class PickForm(forms.Form):
    one = IdChoiceField(queryset=User.objects.all(), required=False)
    many = IdMultipleChoiceField(queryset=User.objects.all(), required=False)


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["99999999999999999999999", "-1", "1e3", "abc"])
def test_impossible_ids_are_invalid_choices(value):
    form = PickForm({"one": value, "many": [value]})
    assert not form.is_valid()
    assert set(form.errors) == {"one", "many"}


@pytest.mark.django_db
def test_real_ids_still_work(cast):
    form = PickForm({"one": cast.chair.pk, "many": [cast.chair.pk, cast.member.pk]})
    assert form.is_valid()
    assert form.cleaned_data["one"] == cast.chair

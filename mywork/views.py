"""The page a person lands on after logging in."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_safe

from . import selectors


@login_required
@require_safe
def index(request):
    return render(request, "mywork/index.html", {"work": selectors.my_work(request.user)})

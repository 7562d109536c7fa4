"""The page a person lands on after logging in."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_safe

from . import selectors
from .counts import remember_waiting_count


@login_required
@require_safe
def index(request):
    work = selectors.my_work(request.user)
    # The top bar on this page shows the count of the very list below it.
    remember_waiting_count(request.user, work.total)
    return render(request, "mywork/index.html", {"work": work})

"""Minutes."""

from __future__ import annotations

from django.http import HttpResponse


def decided_action_add(request, **kwargs):  # placeholder
    return HttpResponse(status=501)


def decided_action_remove(request, **kwargs):  # placeholder
    return HttpResponse(status=501)


def member_comment_add(request, **kwargs):  # placeholder
    return HttpResponse(status=501)


def minutes_correct(request, **kwargs):  # placeholder
    return HttpResponse(status=501)


def minutes_history(request, **kwargs):  # placeholder
    return HttpResponse(status=501)


def minutes_page(request, **kwargs):  # placeholder
    return HttpResponse(status=501)


def minutes_record_approval(request, **kwargs):  # placeholder
    return HttpResponse(status=501)


def minutes_revision(request, **kwargs):  # placeholder
    return HttpResponse(status=501)


def minutes_save(request, **kwargs):  # placeholder
    return HttpResponse(status=501)


def minutes_start(request, **kwargs):  # placeholder
    return HttpResponse(status=501)


def minutes_transition(request, **kwargs):  # placeholder
    return HttpResponse(status=501)

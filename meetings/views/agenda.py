"""Meetings and the agenda builder."""

from __future__ import annotations

from django.http import HttpResponse


def agenda_item_add(request, **kwargs):  # placeholder
    return HttpResponse(status=501)


def agenda_item_edit(request, **kwargs):  # placeholder
    return HttpResponse(status=501)


def agenda_item_move(request, **kwargs):  # placeholder
    return HttpResponse(status=501)


def agenda_item_remove(request, **kwargs):  # placeholder
    return HttpResponse(status=501)


def meeting_create(request, **kwargs):  # placeholder
    return HttpResponse(status=501)


def meeting_detail(request, **kwargs):  # placeholder
    return HttpResponse(status=501)


def meeting_edit(request, **kwargs):  # placeholder
    return HttpResponse(status=501)


def meeting_list(request, **kwargs):  # placeholder
    return HttpResponse(status=501)


def meeting_transition(request, **kwargs):  # placeholder
    return HttpResponse(status=501)

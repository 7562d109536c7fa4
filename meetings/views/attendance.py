"""Invitations, answers and attendance."""

from __future__ import annotations

from django.http import HttpResponse


def answer(request, **kwargs):  # placeholder
    return HttpResponse(status=501)


def answer_by_link(request, **kwargs):  # placeholder
    return HttpResponse(status=501)


def guest_invite(request, **kwargs):  # placeholder
    return HttpResponse(status=501)


def participants(request, **kwargs):  # placeholder
    return HttpResponse(status=501)

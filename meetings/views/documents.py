"""Agenda and minutes as PDFs."""

from __future__ import annotations

from django.http import HttpResponse


def agenda_pdf(request, **kwargs):  # placeholder
    return HttpResponse(status=501)


def minutes_pdf(request, **kwargs):  # placeholder
    return HttpResponse(status=501)

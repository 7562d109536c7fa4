"""Calendar downloads and private feeds."""

from __future__ import annotations

from django.http import HttpResponse


def calendar_feed(request, **kwargs):  # placeholder
    return HttpResponse(status=501)


def calendar_feed_renew(request, **kwargs):  # placeholder
    return HttpResponse(status=501)


def calendar_feed_revoke(request, **kwargs):  # placeholder
    return HttpResponse(status=501)


def calendar_feeds(request, **kwargs):  # placeholder
    return HttpResponse(status=501)


def meeting_ics(request, **kwargs):  # placeholder
    return HttpResponse(status=501)

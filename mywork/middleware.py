"""Forgets the kept "My work" count of a person who has just changed something."""

from __future__ import annotations

from .counts import forget_waiting_count

READS = frozenset({"GET", "HEAD", "OPTIONS"})


class ForgetWaitingCountOnChange:
    """After a request that may change what waits for the person (signing, answering, saving),
    the top bar's count is counted afresh on their next page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.method not in READS:
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated:
                forget_waiting_count(user)
        return response

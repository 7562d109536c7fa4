"""The portal's URLs and one trivial view: the framework's floor on the same server."""

from django.http import HttpResponse
from django.urls import path

from alliance_portal.urls import urlpatterns as portal_urlpatterns


def trivial(request):
    """Goes through the same middleware as every page, and does nothing else."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/trivial/", trivial, name="bench_trivial"), *portal_urlpatterns]

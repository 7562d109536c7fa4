"""Agreement URLs inside an alliance; the public ones (links, verify page) are in public_urls."""

from django.urls import path

from . import views

app_name = "agreements"

VERSION = "versions/<id:number>/"
SIGNATURE = "signatures/<id:signature_id>/"

urlpatterns = [
    path("", views.agreement_detail, name="detail"),
    path("start/", views.agreement_start, name="start"),
    path("edit/", views.agreement_edit, name="edit"),
    path("reset/", views.agreement_reset, name="reset"),
    path("publish/", views.agreement_publish, name="publish"),
    path("sign/", views.sign, name="sign"),
    path("decline/", views.decline, name="decline"),
    path("versions/", views.version_list, name="versions"),
    path(VERSION, views.version_detail, name="version"),
    path(VERSION + "board/", views.status_board, name="board"),
    path(VERSION + "invite/", views.invite_unsigned, name="invite_unsigned"),
    path(
        VERSION + "translations/<slug:language>/",
        views.translation_edit,
        name="translation_edit",
    ),
    path(SIGNATURE, views.signature_detail, name="signature"),
    path(SIGNATURE + "agreement.pdf", views.signature_pdf, name="signature_pdf"),
    path(SIGNATURE + "invite/", views.signature_invite, name="signature_invite"),
    path(SIGNATURE + "withdraw/", views.withdraw, name="withdraw"),
    path(SIGNATURE + "countersign/", views.countersign, name="countersign"),
]

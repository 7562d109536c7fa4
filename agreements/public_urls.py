"""Public agreement URLs: signing links sent by email, and the verify page. No login needed."""

from django.urls import path

from . import signing, verify

app_name = "signing"

urlpatterns = [
    path("sign/<str:token>/", signing.sign_by_link, name="sign"),
    path("sign/<str:token>/code/", signing.code_send, name="code_send"),
    path("sign/<str:token>/code/confirm/", signing.code_confirm, name="code_confirm"),
    path("sign/<str:token>/decline/", signing.decline_by_link, name="decline"),
    path("signed/<uuid:public_id>/", signing.signed_done, name="done"),
    path("signed/<uuid:public_id>/agreement.pdf", signing.signed_pdf, name="pdf"),
    path("verify/", verify.verify, name="verify"),
    path("verify/certificate.pem", verify.certificate, name="certificate"),
]

"""The commitment agreement in the admin, for staff support: read-only."""

from django.contrib import admin

from alliance_portal.admin import ReadOnlyAdmin

from .models import Agreement, AgreementVersion, Signature


# Agreements: read-only for staff support. Versions, signatures and their evidence are written
# only by the portal's services, which keep the event log and the audit log.
@admin.register(Agreement)
class AgreementAdmin(ReadOnlyAdmin):
    list_display = ("title", "alliance", "language", "updated_at")


@admin.register(AgreementVersion)
class AgreementVersionAdmin(ReadOnlyAdmin):
    list_display = ("agreement", "number", "published_at", "superseded_at", "sha256")


@admin.register(Signature)
class SignatureAdmin(ReadOnlyAdmin):
    list_display = ("membership", "version", "status", "signed_at", "identity_method")
    list_filter = ("status",)
    search_fields = ("typed_name", "membership__user__email")
    exclude = ("link_nonce", "code_hash")

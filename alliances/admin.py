from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import Alliance, AuditEntry, Invitation, Membership, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("Preferences"), {"fields": ("preferred_language",)}),
    )
    list_display = ("email", "first_name", "last_name", "preferred_language", "is_staff")
    search_fields = ("email", "first_name", "last_name", "username")


# Roles, endings and status change only through the portal's own pages, whose services keep the
# leadership rules and write the audit log; the admin shows them read-only.
MEMBERSHIP_READONLY = (
    "alliance",
    "user",
    "role",
    "started_at",
    "ended_at",
    "ended_by",
    "end_reason",
    "organisation",
    "contact",
)


class MembershipInline(admin.TabularInline):
    model = Membership
    fk_name = "alliance"
    extra = 0
    fields = ("user", "role", "organisation_name", "started_at", "ended_at", "end_reason")
    readonly_fields = MEMBERSHIP_READONLY
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Alliance)
class AllianceAdmin(admin.ModelAdmin):
    list_display = ("name", "status", "period_start", "period_end")
    list_filter = ("status",)
    search_fields = ("name", "region")
    readonly_fields = ("status",)
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "alliance", "role", "organisation_name", "started_at", "ended_at")
    list_filter = ("role", "alliance")
    search_fields = ("user__email", "user__first_name", "user__last_name", "organisation_name")
    readonly_fields = MEMBERSHIP_READONLY

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = (
        "email",
        "alliance",
        "role",
        "created_at",
        "expires_at",
        "accepted_at",
        "revoked_at",
    )
    list_filter = ("alliance",)
    search_fields = ("email",)
    readonly_fields = (
        "alliance",
        "email",
        "role",
        "key",
        "invited_by",
        "accepted_at",
        "accepted_by",
    )

    def has_add_permission(self, request):
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: the audit log is append-only, also for staff."""

    list_display = ("created_at", "actor_label", "action", "object_label", "alliance", "ip_address")
    list_filter = ("action", "alliance")
    search_fields = ("actor_label", "action", "object_label")
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

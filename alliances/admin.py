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


class MembershipInline(admin.TabularInline):
    model = Membership
    fk_name = "alliance"
    extra = 0
    fields = ("user", "role", "organisation_name", "started_at", "ended_at", "end_reason")
    autocomplete_fields = ("user",)


@admin.register(Alliance)
class AllianceAdmin(admin.ModelAdmin):
    list_display = ("name", "status", "period_start", "period_end")
    list_filter = ("status",)
    search_fields = ("name", "region")
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "alliance", "role", "organisation_name", "started_at", "ended_at")
    list_filter = ("role", "alliance")
    search_fields = ("user__email", "user__first_name", "user__last_name", "organisation_name")
    autocomplete_fields = ("user",)


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
    readonly_fields = ("key", "accepted_at", "accepted_by")


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

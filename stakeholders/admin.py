"""The stakeholder register in the admin, for staff support: read-only.

Changes go through the portal's pages, whose services check the alliance, keep personal data out
of the audit log and record every write.
"""

from django.contrib import admin

from alliance_portal.admin import ReadOnlyAdmin

from .models import Contact, Gap, Organisation, Stakeholder, SupportProgramme


@admin.register(Organisation)
class OrganisationAdmin(ReadOnlyAdmin):
    list_display = ("name", "municipality", "category", "sector")
    list_filter = ("category", "sector")
    search_fields = ("name", "municipality")


@admin.register(Contact)
class ContactAdmin(ReadOnlyAdmin):
    list_display = ("name", "organisation", "alliance", "erased_at")
    list_filter = ("alliance",)
    list_select_related = ("organisation", "alliance")
    search_fields = ("name", "organisation__name")
    exclude = ("phone", "email")  # staff support does not need the person's details


@admin.register(Stakeholder)
class StakeholderAdmin(ReadOnlyAdmin):
    list_display = ("organisation", "alliance", "impact", "interest", "status")
    list_filter = ("status", "alliance")
    list_select_related = ("organisation", "alliance")


@admin.register(SupportProgramme)
class SupportProgrammeAdmin(ReadOnlyAdmin):
    list_display = ("name", "alliance", "initiator")
    list_select_related = ("alliance",)


@admin.register(Gap)
class GapAdmin(ReadOnlyAdmin):
    list_display = ("problem_area", "alliance", "priority")
    list_select_related = ("alliance",)

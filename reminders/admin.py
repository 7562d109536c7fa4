"""Reminder deliveries and settings in the admin, for staff support: read-only. Failed
deliveries are sent again from the alliance's Reminders page, whose service keeps the row's
history."""

from django.contrib import admin

from alliance_portal.admin import ReadOnlyAdmin

from .models import Delivery, ReminderRun, ReminderSettings


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = ("kind", "alliance", "recipient", "due_at", "status", "attempts", "sent_at")
    list_filter = ("status", "kind")
    search_fields = ("recipient__email",)


@admin.register(ReminderSettings)
class ReminderSettingsAdmin(ReadOnlyAdmin):
    list_display = ("alliance", "sustainability_months", "send_hour", "updated_at")


@admin.register(ReminderRun)
class ReminderRunAdmin(ReadOnlyAdmin):
    list_display = ("started_at", "finished_at", "created", "dropped", "queued")

from django.contrib import admin

from .models import StoredDocument


@admin.register(StoredDocument)
class StoredDocumentAdmin(admin.ModelAdmin):
    list_display = ("kind", "object_id", "language", "size", "printed_at")
    list_filter = ("kind", "language")
    readonly_fields = [field.name for field in StoredDocument._meta.fields]

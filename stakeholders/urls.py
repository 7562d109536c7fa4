from django.urls import path

from . import views

app_name = "stakeholders"

urlpatterns = [
    path("", views.stakeholder_list, name="list"),
    path("grid/", views.stakeholder_grid, name="grid"),
    path("new/", views.stakeholder_create, name="create"),
    path("<id:stakeholder_id>/", views.stakeholder_detail, name="detail"),
    path("<id:stakeholder_id>/edit/", views.stakeholder_edit, name="edit"),
    path("<id:stakeholder_id>/remove/", views.stakeholder_remove, name="remove"),
    path("<id:stakeholder_id>/contacts/new/", views.contact_create, name="contact_create"),
    path("contacts/<id:contact_id>/edit/", views.contact_edit, name="contact_edit"),
    path("contacts/<id:contact_id>/erase/", views.contact_erase, name="contact_erase"),
    path(
        "contacts/<id:contact_id>/personal-data.<slug:fmt>",
        views.contact_export,
        name="contact_export",
    ),
    path("export.<slug:fmt>", views.export, name="export"),
    path("mapping.pdf", views.mapping_pdf, name="mapping_pdf"),
    path("import/", views.import_upload, name="import"),
    path("import/confirm/", views.import_confirm, name="import_confirm"),
    path("import/template.csv", views.import_template, name="import_template"),
    path("balance/", views.balance, name="balance"),
    path("balance/members/<id:membership_id>/", views.member_link, name="member_link"),
    path("programmes/", views.programme_list, name="programmes"),
    path("programmes/new/", views.programme_create, name="programme_create"),
    path("programmes/<id:programme_id>/edit/", views.programme_edit, name="programme_edit"),
    path("programmes/<id:programme_id>/delete/", views.programme_delete, name="programme_delete"),
    path("gaps/", views.gap_list, name="gaps"),
    path("gaps/new/", views.gap_create, name="gap_create"),
    path("gaps/<id:gap_id>/edit/", views.gap_edit, name="gap_edit"),
    path("gaps/<id:gap_id>/delete/", views.gap_delete, name="gap_delete"),
]

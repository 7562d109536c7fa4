from django.urls import path

from . import views

app_name = "outreach"

ENTRY = "communication/rows/<id:entry_id>/"

urlpatterns = [
    path("information/", views.information, name="information"),
    path("information/edit/", views.information_edit, name="information_edit"),
    path("information/information.pdf", views.information_pdf, name="information_pdf"),
    path("communication/", views.communication, name="communication"),
    path("communication/contact/", views.communication_settings, name="communication_settings"),
    path("communication/rows/new/", views.entry_create, name="entry_create"),
    path(ENTRY + "edit/", views.entry_edit, name="entry_edit"),
    path(ENTRY + "remove/", views.entry_delete, name="entry_delete"),
    path(ENTRY + "carried-out/", views.entry_done, name="entry_done"),
    path("public-profile/", views.profile_settings, name="profile"),
    path("public-profile/publish/", views.profile_publish, name="profile_publish"),
    path("public-profile/unpublish/", views.profile_unpublish, name="profile_unpublish"),
]

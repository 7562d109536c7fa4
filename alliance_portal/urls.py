from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, register_converter

from alliance_portal.converters import IdConverter, TokenConverter
from alliance_portal.views import health_json, health_page
from alliances import views as alliance_views
from alliances.account_views import (
    LoginView,
    LogoutView,
    PasswordChangeView,
    PasswordResetView,
    set_language,
)
from dashboard import views as dashboard_views

# Django's class views accept every method they have a handler for; like the function views,
# they declare what they serve, so a form posted to the wrong address answers 405.
PAGE = ["get", "head"]
FORM = ["get", "head", "post"]

register_converter(IdConverter, "id")
register_converter(TokenConverter, "token")

urlpatterns = [
    path("", dashboard_views.home, name="home"),
    path("my-work/", include("mywork.urls")),
    path("alliances/", include("alliances.urls")),
    path("alliances/", include("dashboard.urls")),
    path("alliances/<id:alliance_id>/stakeholders/", include("stakeholders.urls")),
    path("alliances/<id:alliance_id>/", include("actionplans.urls")),
    path("alliances/<id:alliance_id>/agreement/", include("agreements.urls")),
    path("alliances/<id:alliance_id>/outreach/", include("outreach.urls")),
    path("alliances/<id:alliance_id>/evaluation/", include("sustainability.urls")),
    path("alliances/<id:alliance_id>/reports/", include("reports.urls")),
    path("", include("agreements.public_urls")),
    path("", include("outreach.public_urls")),
    path("", include("meetings.urls")),
    path("", include("reminders.urls")),
    path("health/", health_page, name="health"),
    path("health.json", health_json, name="health_json"),
    path("invitations/<str:token>/", alliance_views.invitation_accept, name="invitation_accept"),
    path("accounts/profile/", alliance_views.profile, name="profile"),
    path("accounts/login/", LoginView.as_view(http_method_names=FORM), name="login"),
    path("accounts/logout/", LogoutView.as_view(), name="logout"),
    # The same pages under the names django-allauth's steps go back to.
    path("accounts/login/", LoginView.as_view(http_method_names=FORM), name="account_login"),
    path("accounts/logout/", LogoutView.as_view(), name="account_logout"),
    # Second factors (authenticator app, recovery codes, passkeys), the list of sessions,
    # re-authentication, and single sign-on with OpenID Connect (alliances.signin).
    path("accounts/", include("alliances.account_urls")),
    path(
        "accounts/password/change/",
        PasswordChangeView.as_view(http_method_names=FORM),
        name="password_change",
    ),
    path(
        "accounts/password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(http_method_names=PAGE),
        name="password_change_done",
    ),
    path(
        "accounts/password/reset/",
        PasswordResetView.as_view(http_method_names=FORM),
        name="password_reset",
    ),
    path(
        "accounts/password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(http_method_names=PAGE),
        name="password_reset_done",
    ),
    path(
        "accounts/password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(http_method_names=FORM),
        name="password_reset_confirm",
    ),
    path(
        "accounts/password/reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(http_method_names=PAGE),
        name="password_reset_complete",
    ),
    path("i18n/setlang/", set_language, name="set_language"),
    path("admin/", admin.site.urls),
]

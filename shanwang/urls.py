"""The root URLs: the apps' own URLs are included by name; no app is imported here."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from . import pwa, views

urlpatterns = [
    path("", include("projects.urls")),
    path("villages/", include("villages.urls")),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("admin/", admin.site.urls),
    path("healthz", views.healthz, name="healthz"),
    path("media/<path:path>", views.media, name="media"),
    # The installable app: at the root, so that the service worker's scope is the site.
    path("manifest.webmanifest", pwa.manifest, name="pwa_manifest"),
    path("sw.js", pwa.service_worker, name="pwa_service_worker"),
    path("offline/", pwa.offline, name="pwa_offline"),
]

handler403 = "shanwang.views.permission_denied"
handler500 = "shanwang.views.server_error"

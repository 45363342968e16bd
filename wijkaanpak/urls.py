"""Root URLs. Public paths are Dutch and part of the public interface (DESIGN.md)."""

from django.contrib import admin
from django.urls import include, path
from maykin_2fa import monkeypatch_admin
from maykin_2fa.urls import urlpatterns as two_factor_urls

from wijkaanpak import leaflet, logins, partners, programmes, views
from wijkaanpak.common.language import set_language
from wijkaanpak.common.pagecache import public_page
from wijkaanpak.press import views as press_views

# The admin asks every staff account for its second factor (settings: Authentication); its
# login, enrolment and backup-code pages (maykin-2fa) come before the admin's own URLs.
monkeypatch_admin()

# django-two-factor-auth sends a staff member without an app, logging in on the way to an admin
# page, to "two_factor:setup": the same pages under that name.
two_factor_names = [
    path("login/", logins.AdminLoginView.as_view(), name="login"),
    path("mfa/setup/", logins.AdminSetupView.as_view(), name="setup"),
]

urlpatterns = [
    path("", public_page(views.HomeView.as_view()), name="home"),
    path(
        "wijken/<slug:slug>/",
        public_page(views.NeighbourhoodDetailView.as_view()),
        name="neighbourhood_detail",
    ),
    path("wijken/<slug:slug>/folder.pdf", public_page(leaflet.leaflet_pdf), name="leaflet_pdf"),
    path(
        "programmas/<slug:slug>/nieuws/",
        public_page(press_views.programme_news),
        name="programme_news",
    ),
    path(
        "programmas/<slug:slug>/nieuws/feed/",
        public_page(press_views.programme_feed),
        name="programme_feed",
    ),
    path("partners/", public_page(partners.PartnerListView.as_view()), name="partner_list"),
    path(
        "partners/<slug:slug>/",
        public_page(partners.PartnerDetailView.as_view()),
        name="partner_detail",
    ),
    path("partners/<slug:slug>.pdf", public_page(partners.partner_pdf), name="partner_pdf"),
    path(
        "programmas/<slug:slug>/",
        public_page(programmes.ProgrammeDetailView.as_view()),
        name="programme_detail",
    ),
    path(
        "programmas/<slug:slug>/rapportage/",
        public_page(programmes.ProgrammeReportView.as_view()),
        name="programme_report",
    ),
    path(
        "programmas/<slug:slug>/rapportage.pdf",
        public_page(programmes.programme_report_pdf),
        name="programme_report_pdf",
    ),
    path("", include("contracts.urls")),
    path("", include("projects.urls")),
    path("", include("budget.urls")),
    path("toegankelijkheid/", public_page(views.AccessibilityView.as_view()), name="accessibility"),
    path("privacy/", public_page(views.PrivacyView.as_view()), name="privacy"),
    path("begrippen/", public_page(views.GlossaryView.as_view()), name="glossary"),
    path("healthz", views.healthz, name="healthz"),
    path(".well-known/security.txt", views.security_txt, name="security_txt"),
    path("taal/", set_language, name="set_language"),
    path("admin/login/", logins.AdminLoginView.as_view()),
    path("admin/mfa/setup/", logins.AdminSetupView.as_view()),
    path("admin/", include((two_factor_urls, "maykin_2fa"))),
    path("admin/", include((two_factor_names, "two_factor"))),
    path("admin/", admin.site.urls),
]

handler404 = "wijkaanpak.views.page_not_found"
handler500 = "wijkaanpak.views.server_error"

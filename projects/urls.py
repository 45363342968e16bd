from django.urls import path
from django.utils.translation import gettext_lazy as _

from projects.views import invitations, portal, public, two_factor
from wijkaanpak.common import ratelimits
from wijkaanpak.common.pagecache import public_page

# Each request for a reset link counts against settings.RATELIMIT_PASSWORD_RESETS per client;
# one too many gets the form again with a message, and no mail is sent.
PASSWORD_RESET_VIEW = ratelimits.limit_form_posts(
    portal.PasswordResetView,
    group=ratelimits.PASSWORD_RESETS,
    rate="RATELIMIT_PASSWORD_RESETS",
    message=_(
        "Too many links to choose a new password were asked for from your address. "
        "Please try again later."
    ),
)

app_name = "projects"

urlpatterns = [
    # Public
    path(
        "projecten/<int:pk>/",
        public_page(public.ProjectDetailView.as_view()),
        name="project_detail",
    ),
    path(
        "projecten/<int:pk>/bijlagen/<int:update_pk>/",
        public.update_attachment,
        name="update_attachment",
    ),
    path(
        "wijken/<slug:slug>/tussenevaluaties/<int:round_pk>/",
        public_page(public.RoundReviewView.as_view()),
        name="round_review",
    ),
    path(
        "wijken/<slug:slug>/tussenevaluaties/<int:round_pk>.pdf",
        public_page(public.round_review_pdf),
        name="round_review_pdf",
    ),
    path(
        "wijken/<slug:slug>/eindevaluatie/",
        public_page(public.FinalEvaluationView.as_view()),
        name="final_evaluation",
    ),
    path(
        "wijken/<slug:slug>/eindevaluatie.pdf",
        public_page(public.final_evaluation_pdf),
        name="final_evaluation_pdf",
    ),
    # The project teams' portal
    path("team/", portal.MyProjectsView.as_view(), name="portal"),
    path("team/inloggen/", portal.LoginView.as_view(), name="login"),
    path("team/inloggen/code/", two_factor.LoginCodeView.as_view(), name="login_code"),
    path("team/uitloggen/", portal.LogoutView.as_view(), name="logout"),
    path("team/tweestapsverificatie/", two_factor.TwoFactorView.as_view(), name="two_factor"),
    path("team/wachtwoord-vergeten/", PASSWORD_RESET_VIEW.as_view(), name="password_reset"),
    path(
        "team/wachtwoord-vergeten/verstuurd/",
        portal.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "team/wachtwoord-herstellen/<uidb64>/<token>/",
        portal.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "team/wachtwoord-herstellen/klaar/",
        portal.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path(
        "team/uitnodiging/<str:token>/",
        invitations.InvitationView.as_view(),
        name="invitation",
    ),
    path("team/projecten/<int:pk>/", portal.ProjectWorkView.as_view(), name="portal_project"),
    path(
        "team/rondes/<int:round_pk>/projecten/<int:pk>/",
        portal.ReportView.as_view(),
        name="portal_report",
    ),
]

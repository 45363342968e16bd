"""The project teams' portal: log in, see your projects, log progress, hand in reports.

Every page but the log-in and password pages needs a login. A project is reached only through
`portal_projects`, so a project of another team is a 404: the portal does not tell outsiders
which projects exist. Writes go through projects.services; their refusals come back on the
form, at the field they concern.
"""

import logging
from collections import defaultdict

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.db.models import OuterRef, Subquery
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView, ListView
from django.views.generic.detail import SingleObjectMixin

from projects import services
from projects.choices import ProjectStatus
from projects.forms import ProgressUpdateForm, ProjectReportForm
from projects.models import ProgressUpdate, Project, ProjectReport, ReportingRound
from projects.views.two_factor import needs_code, start_code_step
from wijkaanpak.common.forms import add_service_errors
from wijkaanpak.common.pages import page_of

LOGIN_URL = reverse_lazy("projects:login")

logger = logging.getLogger(__name__)


def portal_projects(user):
    """The projects `user` works on in the portal: those of their teams; who may view
    projects (`projects.view_project`, the editors) sees all.

    The one place that scopes the portal: every portal view starts from here.
    """
    if user.has_perm("projects.view_project"):
        return Project.objects.all()
    return Project.objects.of_member(user)


class PortalMixin(LoginRequiredMixin):
    """Portal pages need a login at the portal's own login page (not the admin's)."""

    login_url = LOGIN_URL


# --- Log in, log out, password reset ----------------------------------------------------------


class LoginView(auth_views.LoginView):
    """The password (django-axes counts the failures and locks a user name out from one
    address); then, for an account with two-step login on, the code (two_factor.LoginCodeView)."""

    template_name = "projects/portal/login.html"
    redirect_authenticated_user = True
    next_page = reverse_lazy("projects:portal")

    def form_valid(self, form):
        user = form.get_user()
        if needs_code(user):
            return start_code_step(self.request, user, self.get_success_url())
        return super().form_valid(form)


class LogoutView(auth_views.LogoutView):
    """Log out (POST only, as Django's view) and come back at the login page."""

    next_page = LOGIN_URL

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.info(request, _("You have been logged out."))
        return response


class PortalPasswordResetForm(PasswordResetForm):
    """Django's, but never for a staff account: staff passwords are not reset by e-mail from
    the portal (a mailbox taken over must not open the admin); a superuser sets a new one."""

    def get_users(self, email):
        for user in super().get_users(email):
            if user.is_staff or user.is_superuser:
                logger.warning(
                    "Password reset asked in the portal for staff account %s: nothing sent",
                    user.pk,
                )
                continue
            yield user


class PasswordResetView(auth_views.PasswordResetView):
    """Ask for a link to choose a new password, sent by e-mail.

    The page says the same whether the address is unknown, a team member's or a staff
    account's (Django's view sends nothing for an unknown one; the form sends nothing to staff),
    so it cannot be used to find out who has an account.
    """

    form_class = PortalPasswordResetForm
    template_name = "projects/portal/password_reset_form.html"
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"
    success_url = reverse_lazy("projects:password_reset_done")

    def form_valid(self, form):
        # Links in e-mail use the configured address of the site, not the Host header of
        # whoever asked for the e-mail.
        self.extra_email_context = {"site_url": settings.SITE_URL}
        return super().form_valid(form)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "projects/portal/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "projects/portal/password_reset_confirm.html"
    success_url = reverse_lazy("projects:password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "projects/portal/password_reset_complete.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["login_url"] = LOGIN_URL
        return context


# --- My projects ------------------------------------------------------------------------------


class MyProjectsView(PortalMixin, ListView):
    """The user's projects with status, progress, latest update and open report requests.

    A fixed number of queries however many projects and updates there are: the latest update
    comes from a subquery, the rounds and reports in one query each for the whole page. A page
    at a time: an editor sees every project of every wijk.
    """

    template_name = "projects/portal/my_projects.html"
    context_object_name = "projects"
    paginate_by = 30

    def paginate_queryset(self, queryset, page_size):
        # A bad page number shows the first or last page instead of a 404 (page_of).
        page = page_of(self.request, queryset, page_size)
        return page.paginator, page, page.object_list, page.has_other_pages()

    def get_queryset(self):
        latest = (
            ProgressUpdate.objects.filter(project=OuterRef("pk"), hidden=False)
            .order_by("-date", "-created_at", "-pk")
            .values
        )
        return (
            portal_projects(self.request.user)
            .select_related("contract__neighbourhood", "lead_partner")
            .annotate(
                latest_update_date=Subquery(latest("date")[:1]),
                latest_update_text=Subquery(latest("happened")[:1]),
                latest_update_visibility=Subquery(latest("visibility")[:1]),
            )
            .order_by("contract__neighbourhood__name", "contract__period_start", "number")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        projects = list(context["projects"])
        attach_report_requests(projects, today=timezone.localdate())
        context["projects"] = projects
        context["sees_all"] = self.request.user.has_perm("projects.view_project")
        return context


def attach_report_requests(projects, *, today):
    """Give each project `open_reports` (rounds it still has to report for, each with
    `is_late`) and `handed_in` (its reports), in two queries for all of them."""
    contract_ids = {project.contract_id for project in projects}
    links = (
        ReportingRound.contracts.through.objects.filter(contract_id__in=contract_ids)
        .select_related("reportinground")
        .order_by("reportinground__due_date", "reportinground_id")
    )
    rounds_by_contract = defaultdict(list)
    for link in links:
        round_ = link.reportinground
        round_.is_late = round_.due_date < today
        rounds_by_contract[link.contract_id].append(round_)
    reports = defaultdict(dict)
    handed_in = (
        ProjectReport.objects.filter(project__in=[project.pk for project in projects])
        .only("pk", "round_id", "project_id", "submitted_at")
        .order_by()
    )
    for report in handed_in:
        reports[report.project_id][report.round_id] = report
    for project in projects:
        rounds = rounds_by_contract[project.contract_id]
        done = reports[project.pk]
        project.handed_in = [(round_, done[round_.pk]) for round_ in rounds if round_.pk in done]
        project.open_reports = (
            []
            if project.status == ProjectStatus.CANCELLED
            else [round_ for round_ in rounds if round_.pk not in done]
        )


# --- One project: its timeline and a new update -----------------------------------------------


class PortalProjectMixin(PortalMixin, SingleObjectMixin):
    """A project of the user's teams (any project for staff); else 404."""

    context_object_name = "project"

    def get_queryset(self):
        return portal_projects(self.request.user).select_related(
            "contract__neighbourhood", "lead_partner"
        )

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "project": self.object}

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        form = self.get_form()
        if form.is_valid():
            try:
                written = self.write(form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                repeat = getattr(written, "is_repeat", False)
                messages.success(request, self.repeat_message if repeat else self.success_message)
                return redirect(self.get_success_url())
        else:
            refusal = self.refusal()
            if refusal is not None:
                form.add_error(None, refusal)
        return self.form_invalid(form)

    def write(self, data):
        """Call the service with the form's data and return what it wrote; raises its
        ValidationError."""
        raise NotImplementedError

    def refusal(self):
        """Why no form would be taken at all (shown also when the input has errors)."""
        return None

    def get_success_url(self):
        return self.request.path


class ProjectWorkView(PortalProjectMixin, FormView):
    """A project as its team sees it: the facts, the timeline a page at a time, and a form for
    an update.

    Updates are append-only: the portal never edits or deletes one; a new update corrects.
    """

    template_name = "projects/portal/project_work.html"
    updates_per_page = 20
    form_class = ProgressUpdateForm
    success_message = _("Your update has been saved.")
    repeat_message = _("This update had already been saved; it was not saved twice.")

    def get_initial(self):
        return {
            "status": self.object.status,
            "percent_complete": self.object.percent_complete,
        }

    def write(self, data):
        return services.log_update(
            self.object,
            author=self.request.user,
            date=data["date"],
            status=data["status"],
            percent_complete=data["percent_complete"],
            happened=data["happened"],
            next_steps=data["next_steps"],
            visibility=data["visibility"],
            attachment=data["attachment"] or None,
        )

    def refusal(self):
        if self.object.is_closed:
            return ValidationError(
                _("This project is %(status)s: no more updates are taken."),
                code="project_closed",
                params={"status": self.object.get_status_display()},
            )
        return None

    def get_context_data(self, **kwargs):
        project = self.object
        updates = project.updates.select_related("author", "hidden_by")
        sees_hidden = self.request.user.has_perm("projects.view_progressupdate")
        if not sees_hidden:
            updates = updates.filter(hidden=False)
        attach_report_requests([project], today=timezone.localdate())
        return super().get_context_data(
            contract=project.contract,
            neighbourhood=project.contract.neighbourhood,
            timeline=page_of(self.request, updates, self.updates_per_page),
            show_form=not project.is_closed,
            show_hidden=sees_hidden,
            **kwargs,
        )


# --- The report of one project for a reporting round ------------------------------------------


class ReportView(PortalProjectMixin, FormView):
    """The report for a round: a form until it is handed in, then the frozen report."""

    template_name = "projects/portal/report.html"
    form_class = ProjectReportForm
    success_message = _("Your report has been handed in.")

    def get_object(self, queryset=None):
        project = super().get_object(queryset)
        self.round = get_object_or_404(
            ReportingRound.objects.filter(contracts=project.contract_id), pk=self.kwargs["round_pk"]
        )
        self.report = (
            ProjectReport.objects.filter(round=self.round, project=project)
            .select_related("submitted_by")
            .first()
        )
        if self.report is None and project.status == ProjectStatus.CANCELLED:
            raise Http404("A cancelled project is not asked to report")
        return project

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "final": self.round.is_final}

    def get_initial(self):
        return {
            "status": self.object.status,
            "percent_complete": self.object.percent_complete,
        }

    def write(self, data):
        services.submit_report(
            self.round,
            self.object,
            user=self.request.user,
            achieved=data["achieved"],
            deviations=data["deviations"],
            next_steps=data["next_steps"],
            status=data["status"],
            percent_complete=data["percent_complete"],
        )

    def refusal(self):
        if self.report is not None:
            return ValidationError(
                _("A report for this project has already been handed in for this round."),
                code="report_already_submitted",
            )
        return None

    def get_context_data(self, **kwargs):
        project = self.object
        return super().get_context_data(
            contract=project.contract,
            neighbourhood=project.contract.neighbourhood,
            round=self.round,
            report=self.report,
            show_form=self.report is None,
            is_late=self.round.due_date < timezone.localdate(),
            **kwargs,
        )

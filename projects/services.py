"""Writes of the projects domain: progress updates, hiding them, reporting rounds, reports."""

import datetime
import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from contracts.choices import PUBLIC_STATUSES
from contracts.services import at
from projects.choices import PROJECT_TRANSITIONS, ProjectStatus, Visibility
from projects.models import (
    ProgressUpdate,
    Project,
    ProjectReport,
    ReportingRound,
    ReportReminder,
    TeamMembership,
)
from projects.selectors import late_projects
from projects.validators import check_attachment
from wijkaanpak.common import mail
from wijkaanpak.common.forms import text_problems

logger = logging.getLogger(__name__)


def can_report_on(user, project):
    """The project's team members may post updates and reports, and so may who may change
    projects (`projects.change_project`, the editors)."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.has_perm("projects.change_project"):
        return True
    return TeamMembership.objects.filter(project=project, user=user).exists()


def _check_may_report(user, project):
    if not can_report_on(user, project):
        raise PermissionDenied("Not a member of this project's team.")


def _check_status_and_percent(project, status, percent_complete):
    errors = {}
    if status not in ProjectStatus.values:
        errors["status"] = ValidationError(_("Unknown project status."), code="invalid_status")
    elif status != project.status and status not in PROJECT_TRANSITIONS[project.status]:
        errors["status"] = ValidationError(
            _("A project that is “%(from)s” cannot become “%(to)s”."),
            code="status_not_allowed",
            params={
                "from": ProjectStatus(project.status).label,
                "to": ProjectStatus(status).label,
            },
        )
    if not isinstance(percent_complete, int) or not 0 <= percent_complete <= 100:
        errors["percent_complete"] = ValidationError(
            _("The percentage lies between 0 and 100."), code="percent_out_of_range"
        )
    elif status == ProjectStatus.DONE and percent_complete != 100:
        errors["percent_complete"] = ValidationError(
            _("A project that is done is 100% complete."), code="done_needs_full_percent"
        )
    return errors


def refresh_progress(project):
    """Set the project's status and percentage from its newest update that is not hidden."""
    latest = project.updates.filter(hidden=False).order_by("-date", "-created_at", "-pk").first()
    status = latest.status if latest else ProjectStatus.PLANNED
    percent = latest.percent_complete if latest else 0
    if (project.status, project.percent_complete) != (status, percent):
        project.status, project.percent_complete = status, percent
        project.save(update_fields=["status", "percent_complete"])


# The same update sent again within this time (a double click) is the first one.
REPEAT_WINDOW = datetime.timedelta(minutes=10)


def log_update(
    project,
    *,
    author,
    date,
    status,
    percent_complete,
    happened,
    next_steps="",
    visibility=Visibility.PUBLIC,
    attachment=None,
):
    """Record a dated progress update and move the project's status and percentage with it.

    Only the project's team and who may change projects (the editors) may post. Refused
    (ValidationError with codes, nothing written) for a done or cancelled project, a date in
    the future or before the contract starts, a status the lifecycle table does not allow, a
    percentage outside 0–100, and an attachment that is not a JPEG, PNG or PDF of at most 5 MB
    (judged by its content; see wijkaanpak.common.uploads: images are stored encoded anew,
    without EXIF), and (`attachment_not_writable`) when the media folder cannot take the
    attachment.

    A double click is not a second update: the same update by the same author on the same
    project within REPEAT_WINDOW (same date, status, percentage, texts and visibility, and no
    attachment) returns the update written first, with `is_repeat` set, and writes nothing.
    """
    _check_may_report(author, project)
    with transaction.atomic():
        project = Project.objects.select_for_update().select_related("contract").get(pk=project.pk)
        if project.is_closed:
            raise ValidationError(
                _("This project is %(status)s: no more updates are taken."),
                code="project_closed",
                params={"status": project.get_status_display()},
            )
        errors = _check_status_and_percent(project, status, percent_complete)
        today = timezone.localdate()
        if date > today:
            errors["date"] = ValidationError(
                _("The date cannot lie in the future."), code="date_in_future"
            )
        elif date < project.contract.period_start:
            errors["date"] = ValidationError(
                _("The date lies before the contract starts (%(start)s)."),
                code="date_before_contract",
                params={"start": project.contract.period_start},
            )
        if not happened or not happened.strip():
            errors["happened"] = ValidationError(
                _("Describe what happened."), code="happened_missing"
            )
        errors.update(
            text_problems(
                ProgressUpdate, happened=(happened or "").strip(), next_steps=next_steps.strip()
            )
        )
        if visibility not in Visibility.values:
            errors["visibility"] = ValidationError(
                _("Choose public or internal."), code="invalid_visibility"
            )
        checked = None
        if attachment:
            try:
                checked = check_attachment(attachment)
            except ValidationError as error:
                errors["attachment"] = error
        if errors:
            raise ValidationError(errors)
        fields = {
            "project": project,
            "author": author,
            "date": date,
            "status": status,
            "percent_complete": percent_complete,
            "happened": happened.strip(),
            "next_steps": next_steps.strip(),
            "visibility": visibility,
        }
        if not attachment:
            # Under the project's row lock: a second click waits for the first, then finds it.
            repeat = (
                ProgressUpdate.objects.filter(
                    **fields, attachment="", created_at__gte=timezone.now() - REPEAT_WINDOW
                )
                .order_by("created_at", "pk")
                .first()
            )
            if repeat is not None:
                repeat.is_repeat = True
                return repeat

        update = ProgressUpdate(**fields, attachment_type=checked.content_type if checked else "")
        if checked:
            try:
                # What is stored is what was checked: an image encoded anew, under our name.
                update.attachment.save(
                    f"attachment{checked.extension}", ContentFile(checked.data), save=False
                )
            except OSError as error:
                logger.exception("Attachment of an update to project %s not stored", project.pk)
                raise ValidationError(
                    {
                        "attachment": ValidationError(
                            _(
                                "The attachment cannot be stored right now. Try again later, "
                                "or save the update without it."
                            ),
                            code="attachment_not_writable",
                        )
                    }
                ) from error
        update.save()
        update.is_repeat = False
        refresh_progress(project)
    return update


def hide_update(update, *, user, reason):
    """Hide an update, with the reason, from everyone but who may view updates; logged in its
    history. Needs `projects.change_progressupdate` (the editors)."""
    if not user.has_perm("projects.change_progressupdate"):
        raise PermissionDenied("Only who may change updates hides them.")
    if not reason or not reason.strip():
        raise ValidationError(
            {
                "reason": ValidationError(
                    _("Give the reason for hiding this update."), code="hide_reason_missing"
                )
            }
        )
    if problems := text_problems(ProgressUpdate, hidden_reason=reason.strip()):
        raise ValidationError({"reason": problems["hidden_reason"]})
    with transaction.atomic():
        update = ProgressUpdate.objects.select_for_update().get(pk=update.pk)
        if update.hidden:
            raise ValidationError(_("This update is already hidden."), code="already_hidden")
        update.hidden = True
        update.hidden_reason = reason.strip()
        update.hidden_by = user
        update.hidden_at = timezone.now()
        update.save(update_fields=sorted(ProgressUpdate.HIDING_FIELDS))
        project = Project.objects.select_for_update().get(pk=update.project_id)
        refresh_progress(project)
    return update


# --- Reporting rounds ---------------------------------------------------------------------------


def open_round(*, title, due_date, contracts, user, introduction="", is_illustrative=False):
    """Open a reporting round for `contracts`; the e-mails to their teams are queued in the
    same transaction."""
    contracts = list(contracts)
    errors = {}
    if not title or not title.strip():
        errors["title"] = ValidationError(_("Give the round a title."), code="title_missing")
    if not contracts:
        errors["contracts"] = ValidationError(
            _("Choose at least one contract."), code="no_contracts"
        )
    elif any(contract.status not in PUBLIC_STATUSES for contract in contracts):
        errors["contracts"] = ValidationError(
            _("Only contracts that are ready for signing or signed can report."),
            code="contract_not_signed",
        )
    if due_date < timezone.localdate():
        errors["due_date"] = ValidationError(
            _("The due date cannot lie in the past."), code="due_date_in_past"
        )
    errors.update(
        text_problems(
            ReportingRound, title=(title or "").strip(), introduction=introduction.strip()
        )
    )
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        round_ = ReportingRound.objects.create(
            title=title.strip(),
            introduction=introduction.strip(),
            due_date=due_date,
            opened_at=timezone.now(),
            opened_by=user if user is not None and user.is_authenticated else None,
            is_illustrative=is_illustrative,
        )
        round_.contracts.set(contracts)
        mail.queue(
            *_team_messages(
                round_.requested_projects(), "projects/email/round_opened.txt", {"round": round_}
            )
        )
    return round_


def submit_report(
    round_, project, *, user, achieved, deviations="", next_steps="", status, percent_complete
):
    """Hand in the report of `project` for `round_`: once, by its team or an editor; then frozen."""
    _check_may_report(user, project)
    with transaction.atomic():
        project = Project.objects.select_for_update().get(pk=project.pk)
        if not round_.requested_projects().filter(pk=project.pk).exists():
            raise ValidationError(
                _("This project is not asked to report in this round."),
                code="project_not_in_round",
            )
        if ProjectReport.objects.filter(round=round_, project=project).exists():
            raise ValidationError(
                _("A report for this project has already been handed in for this round."),
                code="report_already_submitted",
            )
        errors = _check_status_and_percent(project, status, percent_complete)
        if not achieved or not achieved.strip():
            errors["achieved"] = ValidationError(
                _("Describe what was achieved."), code="achieved_missing"
            )
        else:
            errors.update(text_problems(ProjectReport, achieved=achieved.strip()))
        errors.update(
            text_problems(
                ProjectReport, deviations=deviations.strip(), next_steps=next_steps.strip()
            )
        )
        if errors:
            raise ValidationError(errors)
        try:
            with transaction.atomic():
                report = ProjectReport.objects.create(
                    round=round_,
                    project=project,
                    achieved=achieved.strip(),
                    deviations=deviations.strip(),
                    next_steps=next_steps.strip(),
                    status=status,
                    percent_complete=percent_complete,
                    submitted_by=user,
                    submitted_at=timezone.now(),
                )
        except IntegrityError:
            raise ValidationError(
                _("A report for this project has already been handed in for this round."),
                code="report_already_submitted",
            ) from None
    return report


def send_reminders(round_, *, user=None, today=None, not_reminded_for_days=None):
    """Queue e-mails to the teams of the late projects of `round_`, with a `ReportReminder`
    per project in the same transaction; return how many projects were reminded.

    Staff send reminders from the admin (`user`); the daily `send_report_reminders` command
    sends them without a user, skipping projects with a reminder in the last
    `not_reminded_for_days` that still counts: one delivered or still in the outbox (queued
    or waiting for a retry). A reminder whose every mail failed does not count, so the next
    run reminds that team again; one that is still queued is never queued twice.
    """
    if user is not None and not user.has_perm("projects.add_reportreminder"):
        raise PermissionDenied("Only who may add reminders sends them.")
    projects = late_projects(round_, today)
    if not_reminded_for_days is not None:
        since = timezone.now() - datetime.timedelta(days=not_reminded_for_days)
        projects = projects.exclude(pk__in=_reminders_that_count(round_, since).values("project"))
    projects = list(projects)
    with transaction.atomic():
        for project in projects:
            messages = _team_messages(
                [project], "projects/email/report_late.txt", {"round": round_}
            )
            reminder = ReportReminder.objects.create(
                round=round_, project=project, sent_by=user, recipients=len(messages)
            )
            reminder.emails.set(mail.queue(*messages))
    return len(projects)


def _reminders_that_count(round_, since):
    """Reminders of `round_` since `since` that were delivered, are still in the outbox, or
    had no one to mail: all but those whose every mail failed for good."""
    from post_office.models import STATUS

    return (
        ReportReminder.objects.filter(round=round_, sent_at__gte=since)
        .annotate(
            mails=Count("emails"),
            failed=Count("emails", filter=Q(emails__status=STATUS.failed)),
        )
        .filter(Q(mails=0) | ~Q(failed=F("mails")))
    )


def _team_messages(projects, template_name, context):
    """One e-mail per team member and project, in the site's language."""
    memberships = (
        TeamMembership.objects.filter(project__in=projects)
        .exclude(user__email="")
        .select_related("user", "project__contract__neighbourhood")
    )
    messages = []
    with translation.override(settings.LANGUAGE_CODE):
        for membership in memberships:
            body = render_to_string(
                template_name,
                {
                    **context,
                    "user": membership.user,
                    "project": membership.project,
                    "portal_url": settings.SITE_URL + reverse("projects:portal"),
                },
            )
            subject, _sep, text = body.strip().partition("\n")
            messages.append(
                EmailMessage(
                    subject=mail.one_line(subject),
                    body=text.strip(),
                    from_email=settings.DEFAULT_FROM_EMAIL,
                    to=[membership.user.email],
                )
            )
    return messages


# --- What a contract's projects need before it is ready for signing -----------------------------


def contract_readiness_problems(contract):
    """What the projects of `contract` and its wishes still lack before it can be signed.

    Every wish is answered by at least one project or marked as not taken up with a reason;
    every project answers at least one wish and is led by one of the contract's parties. (Its
    lead and planning are required fields.) Added to `contracts.services.readiness_problems`
    by ProjectsConfig.ready(); each error says in params["where"] where it is fixed.
    """
    problems = []
    open_wishes = [
        wish.title
        for wish in contract.wishes.annotate(answers=Count("projects"))
        if not wish.answers and not wish.not_taken_up_reason.strip()
    ]
    if open_wishes:
        problems += at(
            "wishes",
            [
                ValidationError(
                    _(
                        "Answer these wishes with a project, or say why they are not taken up: "
                        "%(wishes)s."
                    ),
                    code="wish_not_answered",
                    params={"wishes": "; ".join(open_wishes)},
                )
            ],
        )
    parties = set(contract.parties.values_list("partner_id", flat=True))
    projects = contract.projects.annotate(answered=Count("wishes")).order_by("number")
    for project in projects:
        if not project.answered:
            problems += at(
                "projects",
                [
                    ValidationError(
                        _(
                            "Project %(project)s answers no resident wish: link the wishes it "
                            "answers."
                        ),
                        code="project_without_wish",
                        params={"project": str(project)},
                    )
                ],
            )
        if project.lead_partner_id not in parties:
            problems += at(
                "projects",
                [
                    ValidationError(
                        _(
                            "The lead partner of project %(project)s is not a party to the "
                            "contract."
                        ),
                        code="lead_not_party",
                        params={"project": str(project)},
                    )
                ],
            )
    return problems

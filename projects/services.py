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
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from contracts.choices import PUBLIC_STATUSES, ContractStatus
from contracts.models import Contract
from contracts.services import at
from projects.choices import (
    PROJECT_TRANSITIONS,
    ContractFuture,
    ProjectStatus,
    RoundKind,
    Visibility,
    WishVerdict,
)
from projects.models import (
    ContractEvaluation,
    ProgressUpdate,
    Project,
    ProjectReport,
    ReportingRound,
    ReportReminder,
    TeamMembership,
    WishVerdictRecord,
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
        if ContractEvaluation.objects.filter(round=round_, closed_at__isnull=False).exists():
            raise ValidationError(
                _("The final evaluation of this round is closed: it takes no more reports."),
                code="evaluation_closed",
            )
        errors = _check_status_and_percent(project, status, percent_complete)
        if not achieved or not achieved.strip():
            errors["achieved"] = ValidationError(
                _("Describe what was delivered.")
                if round_.is_final
                else _("Describe what was achieved."),
                code="achieved_missing",
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


# --- The final evaluation (eindevaluatie) -------------------------------------------------------


def open_final_round(
    contract,
    *,
    title,
    due_date,
    user,
    introduction="",
    is_illustrative=False,
):
    """Open the final round of one signed contract, with its ContractEvaluation, and e-mail
    its teams (in the same transaction, like open_round).

    In the final round each team reports what its project delivered. Refused (ValidationError
    with codes, nothing written) unless the contract is signed and not completed
    (`contract_not_signed`), when it already has a final evaluation (`final_round_exists`),
    for a due date before the contract's period ends (`due_date_before_period_end`) or in
    the past (`due_date_in_past`), and for a missing or unstorable title or introduction.
    """
    errors = {}
    if not title or not title.strip():
        errors["title"] = ValidationError(_("Give the round a title."), code="title_missing")
    errors.update(
        text_problems(
            ReportingRound, title=(title or "").strip(), introduction=introduction.strip()
        )
    )
    if due_date is None:
        errors["due_date"] = ValidationError(
            _("Give the round a due date."), code="due_date_missing"
        )
    elif due_date < timezone.localdate():
        errors["due_date"] = ValidationError(
            _("The due date cannot lie in the past."), code="due_date_in_past"
        )
    with transaction.atomic():
        locked = Contract.objects.select_for_update().get(pk=contract.pk)
        errors.update(final_round_problems(locked, due_date))
        if errors:
            raise ValidationError(errors)
        round_ = ReportingRound.objects.create(
            title=title.strip(),
            kind=RoundKind.FINAL,
            introduction=introduction.strip(),
            due_date=due_date,
            opened_at=timezone.now(),
            opened_by=user if user is not None and user.is_authenticated else None,
            is_illustrative=is_illustrative,
        )
        round_.contracts.set([locked])
        evaluation = ContractEvaluation.objects.create(
            contract=locked, round=round_, is_illustrative=is_illustrative
        )
        mail.queue(
            *_team_messages(
                round_.requested_projects(), "projects/email/round_opened.txt", {"round": round_}
            )
        )
    return evaluation


def final_round_problems(contract, due_date):
    """What the contract itself refuses of a final round: by field, as open_final_round
    raises them. The pilot loader checks its rows with this too."""
    errors = {}
    if contract.status != ContractStatus.SIGNED:
        errors["contracts"] = ValidationError(
            _(
                "Only a signed contract that is not completed gets a final evaluation; "
                "“%(contract)s” is %(status)s."
            ),
            code="contract_not_signed",
            params={"contract": str(contract), "status": contract.get_status_display()},
        )
    elif (
        ContractEvaluation.objects.filter(contract=contract).exists()
        or ReportingRound.objects.filter(kind=RoundKind.FINAL, contracts=contract).exists()
    ):
        errors["contracts"] = ValidationError(
            _("“%(contract)s” already has a final evaluation: a contract has only one."),
            code="final_round_exists",
            params={"contract": str(contract)},
        )
    if due_date is not None and due_date < contract.period_end:
        errors["due_date"] = ValidationError(
            _(
                "The final evaluation follows the contract's period: choose a due date on "
                "or after %(end)s."
            ),
            code="due_date_before_period_end",
            params={"end": date_format(contract.period_end, "j F Y")},
        )
    return errors


def _locked_open_evaluation(evaluation):
    """The evaluation's contract and the evaluation itself, locked in that order (as
    change_status locks the contract); refused when the evaluation is closed."""
    Contract.objects.select_for_update().filter(pk=evaluation.contract_id).first()
    locked = (
        ContractEvaluation.objects.select_for_update()
        .select_related("contract", "round")
        .get(pk=evaluation.pk)
    )
    if locked.is_closed:
        raise ValidationError(
            _("This final evaluation is closed: it no longer changes."),
            code="evaluation_closed",
        )
    return locked


def _choice_with_explanation(choice, invalid, explanation, missing):
    """`invalid` under the choice's field when (field, value, choices) holds no known value,
    and `missing` under the explanation's field when (field, text) is empty."""
    field, value, choices = choice
    errors = {} if value in choices.values else {field: invalid}
    if not explanation[1]:
        errors[explanation[0]] = missing
    return errors


def record_verdict(evaluation, wish, *, verdict, explanation, user=None):
    """Record (or change) the evaluation's verdict on `wish`, with its explanation.

    Refused (ValidationError with codes, nothing written) for a wish of another contract
    (`wish_of_other_contract`), a closed evaluation (`evaluation_closed`), an unknown verdict
    and a missing explanation.
    """
    explanation = (explanation or "").strip()
    errors = _choice_with_explanation(
        ("verdict", verdict, WishVerdict),
        ValidationError(_("Choose one of the listed verdicts."), code="invalid_verdict"),
        ("explanation", explanation),
        ValidationError(
            _("Explain the verdict: what residents see of their wish now."),
            code="explanation_missing",
        ),
    )
    errors.update(text_problems(WishVerdictRecord, explanation=explanation))
    with transaction.atomic():
        locked = _locked_open_evaluation(evaluation)
        if wish.contract_id != locked.contract_id:
            errors["wish"] = ValidationError(
                _(
                    "This wish belongs to another contract: give verdicts only on the wishes "
                    "of the evaluated contract."
                ),
                code="wish_of_other_contract",
            )
        if errors:
            raise ValidationError(errors)
        record = WishVerdictRecord.objects.filter(evaluation=locked, wish=wish).first()
        if record is None:
            record = WishVerdictRecord(evaluation=locked, wish=wish)
        record.verdict = verdict
        record.explanation = explanation
        record.save()
    return record


def set_future(evaluation, *, future, explanation, summary=None, user=None):
    """Set the decision on the contract's future with its explanation (and, if given, the
    summary for residents). Refused when the evaluation is closed, for an unknown decision,
    and for a decision without explanation."""
    explanation = (explanation or "").strip()
    errors = _choice_with_explanation(
        ("future", future, ContractFuture),
        ValidationError(_("Choose one of the listed decisions."), code="invalid_future"),
        ("future_explanation", explanation),
        ValidationError(
            _("Explain the decision on the contract's future."),
            code="future_explanation_missing",
        ),
    )
    texts = {"future_explanation": explanation}
    if summary is not None:
        texts["summary"] = summary.strip()
    errors.update(text_problems(ContractEvaluation, **texts))
    with transaction.atomic():
        locked = _locked_open_evaluation(evaluation)
        if errors:
            raise ValidationError(errors)
        locked.future = future
        locked.future_explanation = explanation
        fields = ["future", "future_explanation"]
        if summary is not None:
            locked.summary = summary.strip()
            fields.append("summary")
        locked.save(update_fields=fields)
    evaluation.future, evaluation.future_explanation = locked.future, locked.future_explanation
    evaluation.summary = locked.summary
    return locked


def set_summary(evaluation, *, summary, user=None):
    """Change the evaluation's summary for residents; refused when it is closed."""
    summary = (summary or "").strip()
    if problems := text_problems(ContractEvaluation, summary=summary):
        raise ValidationError(problems)
    with transaction.atomic():
        locked = _locked_open_evaluation(evaluation)
        locked.summary = summary
        locked.save(update_fields=["summary"])
    evaluation.summary = summary
    return locked


def evaluation_problems(evaluation):
    """What stops `evaluation` from being closed, as ValidationErrors: a report in the final
    round from every requested project, a verdict with explanation on every wish of the
    contract, and a decision on the future with its explanation."""
    problems = []
    round_ = evaluation.round
    reported = set(round_.reports.values_list("project_id", flat=True))
    missing = [
        str(project)
        for project in round_.requested_projects()
        .filter(contract=evaluation.contract_id)
        .order_by("number")
        if project.pk not in reported
    ]
    if missing:
        problems.append(
            ValidationError(
                _("Not every team has reported what was delivered; still missing: %(projects)s."),
                code="reports_missing",
                params={"projects": "; ".join(missing)},
            )
        )
    judged = {
        record.wish_id
        for record in evaluation.verdicts.all()
        if record.explanation.strip() and record.verdict in WishVerdict.values
    }
    unjudged = [
        wish.title
        for wish in evaluation.contract.wishes.order_by("order", "pk")
        if wish.pk not in judged
    ]
    if unjudged:
        problems.append(
            ValidationError(
                _("Give a verdict with an explanation on every wish; still missing: %(wishes)s."),
                code="verdicts_missing",
                params={"wishes": "; ".join(unjudged)},
            )
        )
    if not evaluation.future or not evaluation.future_explanation.strip():
        problems.append(
            ValidationError(
                _("Decide on the contract's future and explain the decision."),
                code="future_missing",
            )
        )
    return problems


def evaluation_snapshot(evaluation, on):
    """The figures a closed evaluation keeps, as JSON: per project (number, title, status,
    percent complete) from its report in the final round (a project not asked to report, a
    cancelled one, with its own), the counts of projects per status, the average percentage
    of the projects that were not cancelled, the counts of verdicts per kind and the date."""
    reports = {report.project_id: report for report in evaluation.round.reports.all()}
    projects = []
    for project in evaluation.contract.projects.order_by("number", "pk"):
        source = reports.get(project.pk, project)
        projects.append(
            {
                "number": project.number,
                "title": project.title,
                "status": source.status,
                "percent_complete": source.percent_complete,
            }
        )
    counted = [p for p in projects if p["status"] != ProjectStatus.CANCELLED]
    verdicts = list(evaluation.verdicts.values_list("verdict", flat=True))
    return {
        "date": on.isoformat(),
        "projects": projects,
        "status_counts": {
            status: sum(1 for p in projects if p["status"] == status)
            for status in ProjectStatus.values
        },
        "average_percent": (
            round(sum(p["percent_complete"] for p in counted) / len(counted)) if counted else None
        ),
        "verdict_counts": {kind: verdicts.count(kind) for kind in WishVerdict.values},
    }


def close_evaluation(evaluation, *, user, at=None):
    """Close the final evaluation: check it is complete (evaluation_problems), freeze the
    snapshot of the figures and stamp who closed it when. From then on it does not change,
    and the contract may be completed. `at` backdates the closing (the pilot's history).
    Refused with the problems as ValidationErrors, nothing written."""
    with transaction.atomic():
        locked = _locked_open_evaluation(evaluation)
        problems = evaluation_problems(locked)
        if problems:
            raise ValidationError(problems)
        moment = at or timezone.now()
        locked.snapshot = evaluation_snapshot(locked, timezone.localdate(moment))
        locked.closed_at = moment
        locked.closed_by = user if user is not None and user.is_authenticated else None
        locked.save(update_fields=["snapshot", "closed_at", "closed_by"])
    evaluation.snapshot, evaluation.closed_at = locked.snapshot, locked.closed_at
    evaluation.closed_by = locked.closed_by
    return locked


def contract_completion_problems(contract):
    """What a contract lacks before it can be completed: a closed final evaluation. Added to
    `contracts.services.completion_problems` by ProjectsConfig.ready()."""
    evaluation = ContractEvaluation.objects.filter(contract=contract).first()
    if evaluation is None:
        return [
            ValidationError(
                _(
                    "This contract has no final evaluation yet: open its final round, have the "
                    "teams report what was delivered, give the verdicts and the decision, and "
                    "close the evaluation before completing the contract."
                ),
                code="final_evaluation_missing",
            )
        ]
    if not evaluation.is_closed:
        return [
            ValidationError(
                _(
                    "The final round of this contract is still open: close its final "
                    "evaluation before completing the contract."
                ),
                code="final_evaluation_open",
            )
        ]
    return []

"""Which object each URL pattern of the permission matrix gets: the one readable place.

`prepare` adds to the pilot what it lacks (an internal update with an attachment, a draft
addendum, a scan, a distribution, an invitation and a status link whose tokens we know, the
outbox's records). `ARGUMENTS` maps a URL name (or, for an unnamed pattern, the pattern) to
a function of those objects that gives the URL's arguments; the admin's pages of one object
take the object of their model from `ADMIN_OBJECTS`. Objects belong to wijk A wherever they
belong to a wijk, so that team-B's column shows the refusal.
"""

import datetime
import io
from types import SimpleNamespace

from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.tokens import default_token_generator
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from post_office.models import Attachment, Email, EmailTemplate, Log

from budget.models import (
    Allocation,
    CriterionReview,
    Fund,
    FundCategory,
    InitiativeApplication,
    Payment,
)
from contracts import distribution as contract_distribution
from contracts import services as contract_services
from contracts.choices import AddendumKind, Milestone
from contracts.models import (
    CollegeDecision,
    Contract,
    ContractStatusChange,
    Neighbourhood,
    PressRelease,
    Programme,
    StandardSection,
)
from projects import invitations
from projects.choices import CLOSED_STATUSES, Visibility
from projects.models import ContractEvaluation, ProjectReport, ReportingRound, WishVerdictRecord
from tests.access.personas import EDITOR, SUPERUSER, TEAM_A, WIJK_A
from tests.factories import progress_update
from tests.otp import totp_device
from wijkaanpak.common.groups import EDITORS
from wijkaanpak.common.secret_links import new_secret


def blank_pdf():
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def prepare(users):
    """Add what the pilot lacks and return the objects the URLs take (a namespace)."""
    superuser, team_member = users[SUPERUSER], users[TEAM_A]
    w = SimpleNamespace(users=users)
    w.neighbourhood = Neighbourhood.objects.select_related("district").get(slug=WIJK_A)
    w.contract = Contract.objects.filter(neighbourhood=w.neighbourhood).latest("period_start")
    w.project = w.contract.projects.exclude(status__in=CLOSED_STATUSES).order_by("number").first()
    w.partner = w.project.lead_partner
    w.round = ReportingRound.objects.filter(contracts=w.contract).order_by("pk").first()
    w.report = ProjectReport.objects.filter(round=w.round, project=w.project).first() or (
        ProjectReport.objects.filter(round=w.round, project__contract=w.contract).first()
    )
    # An internal update with an attachment: the team and the editors see it, no one else.
    w.update = progress_update(
        w.project,
        team_member,
        happened="Een intern verslag van het teamoverleg, met de notulen als bijlage.",
        visibility=Visibility.INTERNAL,
        attachment=ContentFile(blank_pdf(), name="notulen.pdf"),
    )
    # A draft addendum: only who may view addenda sees its preview.
    w.addendum = contract_services.create_addendum(
        w.contract,
        kind=AddendumKind.OTHER,
        title="Een andere planning",
        body="De partners spreken een andere planning van de projecten af.",
        signed_on=w.contract.signed_on + datetime.timedelta(days=200),
        signing_place=w.contract.signing_place,
    )
    w.scan = contract_services.attach_scan(
        w.contract, ContentFile(blank_pdf(), name="getekende-paginas.pdf"), user=superuser
    )
    contract_distribution.distribute_contract(w.contract, user=superuser)
    w.distribution = w.contract.distributions.order_by("pk").first()
    w.status_change = ContractStatusChange.objects.filter(contract=w.contract).latest("pk")
    # An invitation and an applicant's status link, with tokens we know (only hashes are kept).
    w.invitation = invitations.invite(
        w.project, email="nieuw-teamlid@example.org", name="Nieuw Teamlid", user=superuser
    )
    w.invitation_token, w.invitation.token_hash = new_secret(24)
    w.invitation.save(update_fields=["token_hash"])
    w.application = (
        InitiativeApplication.objects.filter(neighbourhood=w.neighbourhood).order_by("pk").first()
    )
    w.status_token, w.application.status_token_hash = new_secret(24)
    w.application.save(update_fields=["status_token_hash"])
    w.review = (
        CriterionReview.objects.filter(application__neighbourhood=w.neighbourhood).first()
        or CriterionReview.objects.order_by("pk").first()
    )
    w.allocation = Allocation.objects.filter(neighbourhood=w.neighbourhood).order_by("pk").first()
    w.payment = Payment.objects.filter(allocation__neighbourhood=w.neighbourhood).first()
    # The outbox's records: the distribution's e-mail, a log line, a template, an attachment.
    w.email = Email.objects.order_by("pk").first()
    w.log = Log.objects.create(email=w.email, status=0, message="")
    w.template = EmailTemplate.objects.create(name="proef", subject="Proef", content="Proef")
    w.attachment = Attachment.objects.create(name="bijlage.pdf")
    w.attachment.file.save("bijlage.pdf", ContentFile(blank_pdf()))
    # A lockout record of a team account, and the editor's TOTP app (as after enrolling).
    w.access_attempt = AccessAttempt.objects.create(
        username=team_member.username,
        ip_address="192.0.2.7",
        user_agent="",
        http_accept="",
        path_info="/team/inloggen/",
        failures_since_start=5,
    )
    w.totp_device = totp_device(users[EDITOR])
    # The pilot's programme, its college decision, and a press release still in draft: the
    # news page and its feed show none of a draft, the admin shows it to who may view them.
    w.programme = Programme.objects.get(slug="wijkaanpak-2007-2009")
    w.decision = CollegeDecision.objects.filter(programme=w.programme).order_by("pk").first()
    w.press_release = PressRelease.objects.create(
        programme=w.programme,
        milestone=Milestone.SIGNING,
        title="Vijf wijken tekenen hun wijkcontract",
        lead="Bewoners, gemeente en partners tekenen in vijf wijken een wijkcontract.",
        body="Een concept van het persbericht.",
    )
    return w


# The object of each model whose admin pages take one.
ADMIN_OBJECTS = {
    # A staff account other than the editor's own: the editor may not see it.
    "auth.user": lambda w: w.users[SUPERUSER],
    "auth.group": lambda w: Group.objects.get(name=EDITORS),
    "axes.accessattempt": lambda w: w.access_attempt,
    "otp_totp.totpdevice": lambda w: w.totp_device,
    "post_office.email": lambda w: w.email,
    "post_office.log": lambda w: w.log,
    "post_office.emailtemplate": lambda w: w.template,
    "post_office.attachment": lambda w: w.attachment,
    "contracts.addendum": lambda w: w.addendum,
    "contracts.collegedecision": lambda w: w.decision,
    "contracts.pressrelease": lambda w: w.press_release,
    "contracts.programme": lambda w: w.programme,
    "contracts.contract": lambda w: w.contract,
    "contracts.contractstatuschange": lambda w: w.status_change,
    "contracts.distribution": lambda w: w.distribution,
    "contracts.district": lambda w: w.neighbourhood.district,
    "contracts.neighbourhood": lambda w: w.neighbourhood,
    "contracts.partner": lambda w: w.partner,
    "contracts.standardsection": lambda w: StandardSection.objects.order_by("pk").first(),
    "projects.teaminvitation": lambda w: w.invitation,
    "projects.project": lambda w: w.project,
    "projects.reportinground": lambda w: w.round,
    # The pilot's one final evaluation (Centrum's, closed): wijk A has none.
    "projects.contractevaluation": lambda w: ContractEvaluation.objects.order_by("pk").first(),
    "projects.wishverdictrecord": lambda w: WishVerdictRecord.objects.order_by("pk").first(),
    "projects.projectreport": lambda w: w.report,
    "projects.progressupdate": lambda w: w.update,
    "budget.initiativeapplication": lambda w: w.application,
    "budget.criterionreview": lambda w: w.review,
    "budget.fund": lambda w: Fund.objects.order_by("pk").first(),
    "budget.fundcategory": lambda w: FundCategory.objects.order_by("pk").first(),
    "budget.allocation": lambda w: w.allocation,
    "budget.payment": lambda w: w.payment,
}


def _reset_link(w):
    """A working password-reset link of a team account that no persona is: the token lapses
    when its user logs in."""
    user = (
        get_user_model()
        .objects.filter(username__startswith="team-", is_staff=False)
        .exclude(pk__in=[user.pk for user in w.users.values() if user is not None])
        .order_by("username")
        .first()
    )
    return {
        "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
        "token": default_token_generator.make_token(user),
    }


# URL name (or the pattern of an unnamed one) -> the URL's arguments.
ARGUMENTS = {
    # Public pages: the published things of wijk A.
    "neighbourhood_detail": lambda w: {"slug": w.neighbourhood.slug},
    "leaflet_pdf": lambda w: {"slug": w.neighbourhood.slug},
    "contracts:contract_detail": lambda w: {"slug": w.neighbourhood.slug},
    "contracts:contract_pdf": lambda w: {"slug": w.neighbourhood.slug},
    "contracts:contract_version": lambda w: {"slug": w.neighbourhood.slug, "pk": w.contract.pk},
    "contracts:contract_version_pdf": lambda w: {
        "slug": w.neighbourhood.slug,
        "pk": w.contract.pk,
    },
    # The draft addendum: a preview for who may view addenda.
    "contracts:addendum_pdf": lambda w: {
        "slug": w.neighbourhood.slug,
        "pk": w.contract.pk,
        "number": w.addendum.number,
    },
    "projects:project_detail": lambda w: {"pk": w.project.pk},
    # The partner that leads the project of wijk A, and the pilot's programme.
    "partner_detail": lambda w: {"slug": w.partner.slug},
    "partner_pdf": lambda w: {"slug": w.partner.slug},
    "programme_detail": lambda w: {"slug": w.programme.slug},
    "programme_report": lambda w: {"slug": w.programme.slug},
    "programme_report_pdf": lambda w: {"slug": w.programme.slug},
    "programme_news": lambda w: {"slug": w.programme.slug},
    "programme_feed": lambda w: {"slug": w.programme.slug},
    # Wijk A's final evaluation: none in the pilot, so the page's empty state.
    "projects:final_evaluation": lambda w: {"slug": w.neighbourhood.slug},
    "projects:final_evaluation_pdf": lambda w: {"slug": w.neighbourhood.slug},
    # The internal update's attachment: the team and the editors.
    "projects:update_attachment": lambda w: {"pk": w.project.pk, "update_pk": w.update.pk},
    "projects:round_review": lambda w: {"slug": w.neighbourhood.slug, "round_pk": w.round.pk},
    "projects:round_review_pdf": lambda w: {
        "slug": w.neighbourhood.slug,
        "round_pk": w.round.pk,
    },
    "budget:status": lambda w: {"reference": w.application.reference, "token": w.status_token},
    # The portal: a project of wijk A.
    "projects:password_reset_confirm": _reset_link,
    "projects:invitation": lambda w: {"token": w.invitation_token},
    "projects:portal_project": lambda w: {"pk": w.project.pk},
    "projects:portal_report": lambda w: {"round_pk": w.round.pk, "pk": w.project.pk},
    # The admin's own pages.
    "admin:view_on_site": lambda w: {
        "content_type_id": ContentType.objects.get_for_model(w.project).pk,
        "object_id": w.project.pk,
    },
    "admin:auth_user_password_change": lambda w: {"id": w.users[SUPERUSER].pk},
    "admin:app_list": lambda w: {"app_label": "contracts"},
    "admin/(?P<url>.*)$": lambda w: {"url": "onbekend/"},
    "admin:post_office_email_image": lambda w: {"pk": w.email.pk, "content_id": "0" * 32},
    "admin:post_office_email_preview": lambda w: {"pk": w.email.pk},
    "admin:resend": lambda w: {"pk": w.email.pk},
    "admin:contracts_contract_scan": lambda w: {"object_id": w.contract.pk, "scan_id": w.scan.pk},
    "admin:contracts_pressrelease_briefing": lambda w: {"slug": w.programme.slug},
}

# Query strings of some URLs: the autocomplete answers only a named field.
QUERIES = {
    "admin:autocomplete": "app_label=projects&model_name=teammembership&field_name=user",
}


def arguments_for(row, w):
    """The arguments of `row`'s URL: from ARGUMENTS, else the admin object of its model
    (`<path:object_id>`; a history record's page gets the object's newest record)."""
    for key in (row.name, row.pattern):
        if key and key in ARGUMENTS:
            return ARGUMENTS[key](w)
    parts = row.pattern.split("/")
    if parts[0] == "admin" and len(parts) > 3 and f"{parts[1]}.{parts[2]}" in ADMIN_OBJECTS:
        obj = ADMIN_OBJECTS[f"{parts[1]}.{parts[2]}"](w)
        if row.name.endswith("_simple_history"):
            if not obj.history.exists():  # loaded without history: a save writes a record
                obj.save()
            return [obj.pk, obj.history.latest().history_id]
        if "<path:object_id>" in row.pattern:
            return {"object_id": obj.pk}
    return {}

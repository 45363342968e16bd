"""Distributing a signed document: its archived PDF e-mailed to the contact address of each party.

Every e-mail is one `Distribution` row: who got which document (by name and SHA-256
fingerprint), when it was asked for, by whom, and whether it went out. The rows and their mails
are written in one transaction: each mail goes into the outbox (wijkaanpak.common.mail) and its row
links to it, so a rollback leaves neither and a mail-server outage breaks nothing; the row's
delivery status follows its mail (queued, sent, failed after the last retry; the admin shows
the error). Sending again is allowed (a resend) and writes new rows.

The attachment is the archived file, byte for byte; its fingerprint is checked against the one
stored at signing before anything is queued. Mail is written in the site's language
(settings.LANGUAGE_CODE): it is sent outside any visitor's language. Links use
settings.SITE_URL, never the Host header of a request.
"""

import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from contracts import documents
from contracts.models import Addendum, Contract, Distribution
from wijkaanpak.common import archive, mail

logger = logging.getLogger(__name__)

CONTRACT_TEMPLATES = (
    "contracts/email/distribution_subject.txt",
    "contracts/email/distribution_body.txt",
)
ADDENDUM_TEMPLATES = (
    "contracts/email/distribution_addendum_subject.txt",
    "contracts/email/distribution_addendum_body.txt",
)


@dataclass
class DistributionResult:
    """What a distribution did: the rows queued (one per e-mail) and the partners skipped."""

    document_name: str
    distributions: list = field(default_factory=list)
    skipped: list = field(default_factory=list)  # partners without a contact e-mail

    @property
    def queued(self):
        return len(self.distributions)


# --- Services ---------------------------------------------------------------------------------


def distribute_contract(contract, *, user=None):
    """E-mail the archived signed PDF of `contract` to the contact address of every party.

    One e-mail in the outbox and one `Distribution` row per party with an address, in one
    transaction; `manage.py send_queued_mail` delivers them. Parties without an address get
    nothing and are listed in the result.
    Raises ValidationError (code `not_signed`, `not_archived` or `fingerprint_mismatch`) and
    writes nothing when there is no intact signed original to send.
    """
    with transaction.atomic():
        # The stored status counts, not what the caller's instance says.
        fresh = Contract.objects.select_related("neighbourhood").get(pk=contract.pk)
        if not fresh.is_signed:
            raise ValidationError(
                _("“%(contract)s” is not signed; only a signed contract is sent to its parties."),
                code="not_signed",
                params={"contract": fresh.title},
            )
        original = documents.archived_original(fresh)
        if original is None:
            raise ValidationError(
                _(
                    "“%(contract)s” has no archived signed original yet; archive it first "
                    "(manage.py archive_signed_contracts)."
                ),
                code="not_archived",
                params={"contract": fresh.title},
            )
        data = _archived_bytes(original, fresh.title)
        partners = [
            party.partner
            for party in fresh.parties.select_related("partner").order_by("order", "pk")
        ]
        return _queue(
            contract=fresh,
            addendum=None,
            partners=partners,
            document_name=documents.contract_filename(fresh),
            sha256=original.sha256,
            data=data,
            templates=CONTRACT_TEMPLATES,
            user=user,
        )


def distribute_addendum(addendum, *, user=None):
    """E-mail the archived PDF of a signed addendum to the contract's parties and its signatories.

    A partner that is both a party and a signatory gets one e-mail. Otherwise as
    :func:`distribute_contract`; refuses (code `not_signed`, `not_archived` or
    `fingerprint_mismatch`) an addendum that is not signed or whose archived file is missing.
    """
    with transaction.atomic():
        fresh = Addendum.objects.select_related("contract__neighbourhood").get(pk=addendum.pk)
        if not fresh.is_signed:
            raise ValidationError(
                _("This addendum is not signed; only a signed addendum is sent to the parties."),
                code="not_signed",
            )
        if not fresh.file or not fresh.sha256:
            raise ValidationError(
                _("This addendum has no archived PDF."),
                code="not_archived",
            )
        data = _archived_bytes(fresh, str(fresh))
        contract = fresh.contract
        partners = [
            party.partner
            for party in contract.parties.select_related("partner").order_by("order", "pk")
        ] + [signatory.partner for signatory in fresh.signatories.select_related("partner")]
        return _queue(
            contract=contract,
            addendum=fresh,
            partners=partners,
            document_name=documents.addendum_filename(fresh),
            sha256=fresh.sha256,
            data=data,
            templates=ADDENDUM_TEMPLATES,
            user=user,
        )


def _archived_bytes(document, label):
    """The archived file's bytes, refused unless they still match the fingerprint of signing."""
    try:
        return documents.read_archived(document)
    except archive.ArchiveError as error:
        # Sending a file whose fingerprint is not the one in the mail would prove nothing.
        if error.state == archive.CHANGED:
            raise ValidationError(
                _(
                    "The archived PDF of “%(document)s” does not match its fingerprint; "
                    "it is not sent."
                ),
                code="fingerprint_mismatch",
                params={"document": label},
            ) from error
        raise ValidationError(
            _("The archived PDF of “%(document)s” cannot be read."),
            code="not_archived",
            params={"document": label},
        ) from error


def _queue(*, contract, addendum, partners, document_name, sha256, data, templates, user):
    """Write a row per partner with an address and its mail to the outbox, in the caller's
    transaction."""
    result = DistributionResult(document_name=document_name)
    requested_by = user if user is not None and user.is_authenticated else None
    seen = set()
    for partner in partners:
        if partner.pk in seen:
            continue
        seen.add(partner.pk)
        address = partner.email.strip()
        if not address:
            result.skipped.append(partner)
            continue
        distribution = Distribution(
            contract=contract,
            addendum=addendum,
            partner=partner,
            email=address,
            document_name=document_name,
            document_sha256=sha256,
            requested_by=requested_by,
        )
        [distribution.outbox_email] = mail.queue(
            _message(distribution, contract, addendum, data, templates)
        )
        distribution.save()
        result.distributions.append(distribution)
    return result


# --- The e-mail -------------------------------------------------------------------------------


def _context(contract, addendum, distribution):
    return {
        "contract": contract,
        "addendum": addendum,
        "partner": distribution.partner,
        "document_name": distribution.document_name,
        "sha256": distribution.document_sha256,
        # This contract's own page, not the wijk's current one: that one shows a newer
        # contract once there is one, and the fingerprint in this mail would not match it.
        "contract_url": settings.SITE_URL + contract.get_absolute_url(),
        "municipality_name": settings.MUNICIPALITY_NAME,
        "contact_email": settings.CONTACT_EMAIL,
        "site_url": settings.SITE_URL,
    }


def _message(distribution, contract, addendum, data, templates):
    subject_template, body_template = templates
    context = _context(contract, addendum, distribution)
    with translation.override(settings.LANGUAGE_CODE):
        subject = mail.one_line(render_to_string(subject_template, context))
        body = render_to_string(body_template, context)
    message = EmailMessage(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[distribution.email],
        reply_to=[settings.CONTACT_EMAIL] if settings.CONTACT_EMAIL else None,
    )
    message.attach(distribution.document_name, data, "application/pdf")
    return message


# --- Admin action -----------------------------------------------------------------------------


@admin.action(description=_("E-mail the signed PDF to every party"), permissions=["change"])
def distribute_signed_contracts(modeladmin, request, queryset):
    """Distribute each selected contract; a refused one is reported and the others go on."""
    contracts = queryset.select_related("neighbourhood").order_by("pk")
    _distribute_each(request, contracts, distribute_contract, lambda contract: contract.title)


@admin.action(description=_("E-mail the signed PDF to every party"), permissions=["change"])
def distribute_signed_addenda(modeladmin, request, queryset):
    """Distribute each selected addendum; a refused one is reported and the others go on."""
    addenda = queryset.select_related("contract__neighbourhood").order_by("pk")
    _distribute_each(request, addenda, distribute_addendum, str)


def _distribute_each(request, documents_to_send, distribute, name_of):
    """Call `distribute` for each document and report the outcome of each as a message."""
    for document in documents_to_send:
        name = name_of(document)
        try:
            result = distribute(document, user=request.user)
        except ValidationError as error:
            messages.error(
                request,
                gettext("“%(contract)s” was not sent: %(reason)s")
                % {"contract": name, "reason": " ".join(error.messages)},
                # The codes, as the other contract actions give them: tests and styling use them.
                extra_tags=" ".join(sorted({e.code for e in error.error_list if e.code})),
            )
            continue
        messages.success(
            request,
            ngettext(
                "“%(contract)s”: %(count)d e-mail with the signed PDF queued.",
                "“%(contract)s”: %(count)d e-mails with the signed PDF queued.",
                result.queued,
            )
            % {"contract": name, "count": result.queued},
            extra_tags="distributed",
        )
        if result.skipped:
            messages.warning(
                request,
                gettext("“%(contract)s”: no contact e-mail, not sent to: %(partners)s")
                % {
                    "contract": name,
                    "partners": ", ".join(partner.name for partner in result.skipped),
                },
                extra_tags="no_email",
            )

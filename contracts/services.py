"""Writes of the contract domain that touch more than one row."""

import contextlib
import ipaddress
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from contracts import documents
from contracts.choices import (
    CONTRACT_TRANSITIONS,
    AddendumStatus,
    ContractStatus,
    PressReleaseStatus,
)
from contracts.models import (
    Addendum,
    Contract,
    ContractParty,
    ContractSection,
    ContractStatusChange,
    PressRelease,
    SigningScan,
    StandardSection,
    placeholders_left,
    refuse_unpublishable,
)
from wijkaanpak.common import text, uploads
from wijkaanpak.common.forms import text_problems

MINIMUM_PARTIES = 2


def _signatory_problems(signers, message):
    """`message` (with %(partners)s) for the signers without a signatory and function."""
    missing = [
        str(signer.partner)
        for signer in signers
        if not (signer.signatory_name.strip() and signer.signatory_function.strip())
    ]
    if not missing:
        return []
    return [
        ValidationError(message, code="signatory_missing", params={"partners": ", ".join(missing)})
    ]


def _signing_date_problems(signed_on, place, *, not_before=None):
    """What is wrong with the date and place of a signing (a contract's or an addendum's)."""
    if not signed_on or not (place or "").strip():
        return [
            ValidationError(
                _("Fill in the date and place of signing first."),
                code="signing_details_missing",
            )
        ]
    if signed_on > timezone.localdate():
        return [
            ValidationError(
                _("The date of signing cannot be in the future."), code="signed_in_future"
            )
        ]
    if not_before and signed_on < not_before:
        return [
            ValidationError(
                _("An addendum cannot be signed before the contract itself."),
                code="signed_before_contract",
            )
        ]
    return []


def allowed_transitions(status):
    """The statuses a contract in `status` may move to."""
    return CONTRACT_TRANSITIONS.get(status, frozenset())


@transaction.atomic
def create_contract(*, neighbourhood, title, period_start, period_end, **fields):
    """Create a draft contract that starts with the standard sections.

    Staff edit, reorder and add to those sections afterwards.
    """
    contract = Contract(
        neighbourhood=neighbourhood,
        title=title,
        period_start=period_start,
        period_end=period_end,
        **fields,
    )
    contract.full_clean()
    contract.save()
    add_standard_sections(contract)
    return contract


def add_standard_sections(contract):
    """Give a contract without sections the municipality's standard sections."""
    if contract.sections.exists():
        return []
    sections = [
        ContractSection(
            contract=contract, order=(index + 1) * 10, heading=standard.heading, body=standard.body
        )
        for index, standard in enumerate(StandardSection.objects.all())
    ]
    for section in sections:
        section.save()
    return sections


# Checks that apps building on contracts add to the readiness of a contract (the projects add
# theirs): functions of a contract that return ValidationErrors, added with add_readiness_check.
_READINESS_CHECKS = []


def add_readiness_check(check):
    """Make "ready for signing" also require what `check(contract)` finds nothing wrong with.

    `contracts` never imports the apps above it; an app whose rows are part of a contract's
    text (the projects) adds its check here, once, from its AppConfig.ready().
    """
    if check not in _READINESS_CHECKS:
        _READINESS_CHECKS.append(check)
    return check


# Checks that apps building on contracts add to the step to "completed" (the projects require
# the contract's final evaluation to be closed): functions of a contract that return
# ValidationErrors, added with add_completion_check.
_COMPLETION_CHECKS = []


def add_completion_check(check):
    """Make "completed" also require what `check(contract)` finds nothing wrong with.

    Like add_readiness_check: `contracts` never imports the apps above it; an app that keeps
    what a contract must have before it ends (the projects' final evaluation) adds its check
    here, once, from its AppConfig.ready().
    """
    if check not in _COMPLETION_CHECKS:
        _COMPLETION_CHECKS.append(check)
    return check


def completion_problems(contract):
    """Everything that stops a signed contract from being completed, as ValidationErrors:
    what the apps above check (the projects: a closed final evaluation)."""
    problems = []
    for check in _COMPLETION_CHECKS:
        problems += check(contract)
    return problems


def at(where, errors):
    """`errors` with where they are fixed in their params["where"]: "sections", "parties",
    "wishes", "projects", (app label, model name, pk) of a record with an admin page of its own,
    or "settings"; so the admin can link each one."""
    for error in errors:
        error.params = {**(error.params or {}), "where": where}
    return errors


def readiness_problems(contract, *, public_address=None):
    """Everything that stops a contract from going to "ready for signing", as ValidationErrors.

    The planned date and place of signing (its final PDF prints them); at least two parties,
    each with a signatory and function; a text without a section that still holds a standard
    section's writing prompt; a public address for the site when DEBUG is off (it is printed
    in the PDF that is signed); and what the apps above check (every wish answered or marked
    as not taken up, every project complete). Each error says in params["where"] where it is
    fixed.
    """
    problems = []
    if not contract.signed_on or not contract.signing_place.strip():
        problems += at(
            "signing",
            [
                ValidationError(
                    _(
                        "Fill in the planned date and place of signing: the final PDF that "
                        "is printed for the signing names them."
                    ),
                    code="signing_details_missing",
                )
            ],
        )
    parties = list(contract.parties.select_related("partner"))
    if len(parties) < MINIMUM_PARTIES:
        problems += at(
            "parties",
            [
                ValidationError(
                    _("A contract needs at least %(minimum)d parties before it can be signed."),
                    code="too_few_parties",
                    params={"minimum": MINIMUM_PARTIES},
                )
            ],
        )
    problems += at(
        "parties",
        _signatory_problems(
            parties, _("Fill in the signatory and their function for: %(partners)s.")
        ),
    )
    sections = list(contract.sections.all())
    if not sections:
        problems += at(
            "sections",
            [ValidationError(_("The contract has no text yet."), code="no_sections")],
        )
    prompts = {
        " ".join(body.split()) for body in StandardSection.objects.values_list("body", flat=True)
    }
    unwritten = [
        section.heading
        for section in sections
        if not section.body.strip() or " ".join(section.body.split()) in prompts
    ]
    if unwritten:
        problems += at(
            "sections",
            [
                ValidationError(
                    _("Replace the writing prompt by the contract's own text in: %(sections)s."),
                    code="placeholder_text",
                    params={"sections": ", ".join(unwritten)},
                )
            ],
        )
    problems += at("settings", site_url_problems(public_address))
    for check in _READINESS_CHECKS:
        problems += check(contract)
    return problems


def site_url_problems(address=None):
    """The site's public address is printed in every PDF; a signed one must name the real site.

    With DEBUG off, SITE_URL (or the `address` a final PDF will print) must not be a loopback
    or development address.
    """
    if settings.DEBUG:
        return []
    address = address or settings.SITE_URL
    host = (urlsplit(address).hostname or "").lower()
    development = host in {"localhost", "testserver"} or host.endswith(
        (".localhost", ".local", ".internal")
    )
    with contextlib.suppress(ValueError):
        address = ipaddress.ip_address(host)
        development = development or address.is_loopback or address.is_unspecified
    if not development:
        return []
    return [
        ValidationError(
            _(
                "The site's address (SITE_URL) is %(address)s, a development address: set the "
                "public address the printed contract names before it can be ready for signing."
            ),
            code="site_url_not_public",
            params={"address": address},
        )
    ]


def signing_problems(contract):
    """What stops a contract that is ready for signing from being registered as signed, as
    far as its own date and place tell (register_signing also checks the signing parties and
    that the final PDF printed the date and place given)."""
    problems = _signing_date_problems(contract.signed_on, contract.signing_place)
    if not problems and documents.final_document(contract) is None:
        problems.append(_final_missing())
    return problems


def _final_missing():
    return ValidationError(
        _(
            "This contract has no final PDF yet (it was made ready for signing before final "
            "PDFs existed). Make a new print with the date and place of signing first."
        ),
        code="final_pdf_missing",
    )


def _printed_as(signed_on, place):
    return f"{date_format(signed_on, 'j F Y')}, {place}"


def change_status(contract, to_status, *, user=None, note="", at=None, public_address=None):
    """Move a contract to `to_status` if the lifecycle table allows it; record the step.

    Every step but one: "signed" is refused here (code "use_register_signing"), because a
    contract is signed only through :func:`register_signing`, with its date, place and party
    checks. The contract row is locked for the length of the step, so two staff members
    pressing the button at once cannot both move it. `at` backdates the record when history
    is imported (the pilot data); it defaults to now. Raises ValidationError with a code when
    refused; nothing is changed then.

    Going to "completed" needs what the apps above require (completion_problems: the final
    evaluation closed).

    Going to "ready for signing" renders the final PDF once and stores it (it prints
    `public_address`, by default SITE_URL: the pilot's data names its own); going back to
    draft discards it.
    """
    to_status = ContractStatus(to_status)
    if to_status == ContractStatus.SIGNED:
        raise ValidationError(
            _(
                "A contract is signed only by registering its signing, with the date, the "
                "place and the parties that signed."
            ),
            code="use_register_signing",
        )
    with transaction.atomic():
        locked = Contract.objects.select_for_update().get(pk=contract.pk)
        _step(locked, to_status, user=user, note=note, at=at, public_address=public_address)
    contract.status = locked.status
    contract.updated_at = locked.updated_at
    return contract


def step_refusal(contract, to_status, *, public_address=None):
    """Why `contract` cannot take the lifecycle step to `to_status` now, as the ValidationError
    change_status would raise, or None. Renders nothing: a request may check many contracts."""
    from_status = ContractStatus(contract.status)
    to_status = ContractStatus(to_status)
    if to_status not in allowed_transitions(from_status):
        return ValidationError(
            _("A contract cannot go from “%(from)s” to “%(to)s”."),
            code="transition_not_allowed",
            params={"from": from_status.label, "to": to_status.label},
        )
    problems = []
    if to_status == ContractStatus.READY_FOR_SIGNING:
        problems = readiness_problems(contract, public_address=public_address)
    elif to_status == ContractStatus.COMPLETED:
        problems = completion_problems(contract)
    return ValidationError(problems) if problems else None


def _step(locked, to_status, *, user, note, at, public_address=None):
    """Take one step of the lifecycle table for a contract row locked by the caller.

    Private to this module: change_status (every step but "signed") and register_signing
    (the step to "signed") are its only callers.
    """
    from_status = ContractStatus(locked.status)
    refusal = step_refusal(locked, to_status, public_address=public_address)
    if refusal is not None:
        raise refusal

    # The log row first: the model lets the status change only as the newest logged step.
    ContractStatusChange.objects.create(
        contract=locked,
        from_status=from_status,
        to_status=to_status,
        changed_by=user if user is not None and user.is_authenticated else None,
        changed_at=at or timezone.now(),
        note=note,
    )
    locked.status = to_status
    locked.save(update_fields=["status", "updated_at"])
    if to_status == ContractStatus.READY_FOR_SIGNING:
        # The text is fixed from here on: its final PDF is rendered now, once.
        documents.freeze_final(locked, user=user, public_address=public_address)
    elif from_status == ContractStatus.READY_FOR_SIGNING and to_status == ContractStatus.DRAFT:
        documents.discard_final(locked)


# --- Registering the signing ------------------------------------------------------------------


def register_signing(
    contract,
    *,
    signed_on,
    place,
    signed_party_ids,
    user=None,
    note="",
    at=None,
    new_print_signed=False,
):
    """Record that a contract was signed: on `signed_on`, at `place`, by the parties given.

    The one way into "signed" (change_status refuses it). In one transaction, with the
    contract row locked: parties that did not sign are removed, the date and place are set,
    the contract goes to "signed" and its final PDF, the file that was printed and signed,
    becomes its signed original unchanged (no new render: its fingerprint stays the one
    published since it was ready). Raises ValidationError (with codes) and changes nothing
    when the contract is not ready for signing, a signing party has no signatory, fewer than
    two parties signed, the date is missing or in the future or the place is missing, the
    date or place differ from the ones its final PDF printed ("signing_details_differ": make
    a new print with :func:`make_new_print` first), or the final PDF is such a new print and
    `new_print_signed` does not confirm that the parties signed it. `at` backdates the
    lifecycle record (the pilot data), as for change_status.
    """
    place = (place or "").strip()
    signed_party_ids = {int(pk) for pk in signed_party_ids}
    with transaction.atomic():
        locked = Contract.objects.select_for_update().get(pk=contract.pk)
        if locked.status != ContractStatus.READY_FOR_SIGNING:
            raise ValidationError(
                _(
                    "Only a contract that is ready for signing can be registered as signed; "
                    "“%(contract)s” is “%(status)s”."
                ),
                code="not_ready_for_signing",
                params={"contract": locked.title, "status": locked.get_status_display()},
            )
        parties = list(locked.parties.select_related("partner"))
        problems = _signing_party_problems(parties, signed_party_ids)
        problems += _signing_date_problems(signed_on, place)
        if problems:
            raise ValidationError(problems)
        # What was entered is right in itself: is it what the signed paper says?
        final = documents.final_document(locked)
        if final is None:
            problems.append(_final_missing())
        elif (final.signed_on, final.signing_place) != (signed_on, place):
            problems.append(
                ValidationError(
                    _(
                        "The date and place of signing you entered (%(entered)s) differ from "
                        "the ones printed on the final PDF (%(printed)s). The signed original "
                        "must be the paper that was signed: make a new print with the real "
                        "date and place, have the parties sign it, and then register the "
                        "signing."
                    ),
                    code="signing_details_differ",
                    params={
                        "entered": _printed_as(signed_on, place),
                        "printed": _printed_as(final.signed_on, final.signing_place),
                    },
                )
            )
        elif absent := [party for party in parties if party.pk not in signed_party_ids]:
            problems.append(
                ValidationError(
                    _(
                        "The final PDF has a signature block for %(partners)s, who did not "
                        "sign. The signed original must be the paper that was signed: make a "
                        "new print without them, have the parties sign it, and then register "
                        "the signing."
                    ),
                    code="parties_differ",
                    params={"partners": ", ".join(str(party.partner) for party in absent)},
                )
            )
        elif final.is_reprint and not new_print_signed:
            problems.append(
                ValidationError(
                    _(
                        "Confirm that the parties signed the new print (document code "
                        "%(code)s) before you register the signing."
                    ),
                    code="new_print_not_confirmed",
                    params={"code": final.document_code},
                )
            )
        if problems:
            raise ValidationError(problems)

        _step(locked, ContractStatus.SIGNED, user=user, note=note, at=at)
        # The signed original: the final PDF that was printed and signed, unchanged.
        documents.archive_final(locked, user=user)
    contract.refresh_from_db()
    return contract


def _signing_party_problems(parties, signed_party_ids):
    """What is wrong with the parties said to sign: unknown ones, too few, no signatory."""
    problems = []
    if signed_party_ids - {party.pk for party in parties}:
        problems.append(
            ValidationError(_("Choose only parties of this contract."), code="unknown_party")
        )
    signing = [party for party in parties if party.pk in signed_party_ids]
    if len(signing) < MINIMUM_PARTIES:
        problems.append(
            ValidationError(
                _("At least %(minimum)d parties must have signed."),
                code="too_few_parties",
                params={"minimum": MINIMUM_PARTIES},
            )
        )
    problems += _signatory_problems(
        signing, _("These parties have no signatory with a function: %(partners)s.")
    )
    return problems


def make_new_print(contract, *, signed_on, place, signed_party_ids, user=None):
    """Replace the final PDF of a contract that is ready for signing by a new print with the
    real date and place of signing and only the parties that sign, when they differ from
    the printed ones.

    In one transaction, with the contract row locked: the parties that do not sign are
    removed, the date and place are set, the old final PDF is discarded and a new one
    rendered (marked as a new print: registering the signing then asks for confirmation
    that the parties signed it). Raises ValidationError and changes nothing when the
    contract is not ready for signing, the parties, date or place are wrong (as for
    :func:`register_signing`), or its final PDF already prints this date, place and parties.
    """
    place = (place or "").strip()
    signed_party_ids = {int(pk) for pk in signed_party_ids}
    with transaction.atomic():
        locked = Contract.objects.select_for_update().get(pk=contract.pk)
        if locked.status != ContractStatus.READY_FOR_SIGNING:
            raise ValidationError(
                _("Only a contract that is ready for signing gets a new print."),
                code="not_ready_for_signing",
            )
        parties = list(locked.parties.select_related("partner"))
        problems = _signing_party_problems(parties, signed_party_ids)
        problems += _signing_date_problems(signed_on, place)
        if problems:
            raise ValidationError(problems)
        absent = [party.pk for party in parties if party.pk not in signed_party_ids]
        final = documents.final_document(locked)
        if (
            final is not None
            and not absent
            and (final.signed_on, final.signing_place) == (signed_on, place)
        ):
            raise ValidationError(
                _(
                    "The final PDF already prints this date, place and these parties "
                    "(document code %(code)s): no new print is needed."
                ),
                code="new_print_not_needed",
                params={"code": final.document_code},
            )
        # The contract is frozen (ready for signing) and its parties with it; the parties that
        # do not sign leave it here, in the transaction that prints the paper they are not
        # on. Django's plain QuerySet.delete passes the freeze guard of ContractPartQuerySet
        # without a flag that other code could set; the history still records each removal.
        models.QuerySet.delete(ContractParty.objects.filter(pk__in=absent))
        locked.signed_on = signed_on
        locked.signing_place = place
        locked.save(update_fields=["signed_on", "signing_place", "updated_at"])
        documents.discard_final(locked)
        final = documents.freeze_final(locked, user=user, is_reprint=True)
    contract.refresh_from_db()
    return final


# --- Scans of the signed pages ----------------------------------------------------------------

MAX_SCAN_BYTES = 25 * 1024 * 1024


def scan_problems(uploaded, filename):
    """Why `uploaded` is not acceptable as a scan, or [] and the CheckedFile to store.

    A scan is a PDF of at most 25 MB that wijkaanpak.common.uploads.check_pdf accepts:
    readable, with pages, not encrypted, without scripts, actions or embedded files, and with
    nothing before its start or after its end. It is stored unchanged.
    """
    if not filename.lower().endswith(".pdf"):
        return [ValidationError(_("A scan must be a PDF file (.pdf)."), code="scan_not_pdf")], None
    if getattr(uploaded, "too_large", False) or uploaded.size > MAX_SCAN_BYTES:
        return [
            ValidationError(
                _("A scan can be at most %(megabytes)d MB."),
                code="scan_too_large",
                params={"megabytes": MAX_SCAN_BYTES // (1024 * 1024)},
            )
        ], None
    data = uploads.read_all(uploaded)
    if uploads.sniff_content_type(data) != uploads.PDF:
        return [ValidationError(_("This file is not a PDF."), code="scan_not_pdf")], None
    try:
        return [], uploads.check_pdf(data)
    except ValidationError as error:
        return error.error_list, None


def attach_scan(contract, uploaded, *, description="", user=None):
    """Store a scan of the signed paper pages of a signed contract, with its fingerprint.

    `uploaded` is a Django UploadedFile (or any File with a name). Raises ValidationError and
    stores nothing when the contract is not signed or the file is not a PDF scan_problems
    accepts.
    """
    if not contract.is_signed:
        raise ValidationError(
            _("Scans of the signed pages can only be added to a signed contract."),
            code="not_signed",
        )
    # The name is shown to staff: no direction characters that turn its extension around.
    filename = text.DIRECTION_CHARACTERS.sub("", uploaded.name.rsplit("/", 1)[-1])
    problems, checked = scan_problems(uploaded, filename)
    if problems:
        raise ValidationError(problems)
    scan = SigningScan(
        contract=contract,
        description=description.strip(),
        original_name=filename[:255],
        uploaded_by=documents.user_or_none(user),
    )
    with transaction.atomic():
        return documents.store_archived(
            scan,
            f"contracts/scans/{documents.contract_filename(contract).removesuffix('.pdf')}-scan",
            checked.data,
        )


# --- Addenda ----------------------------------------------------------------------------------


def create_addendum(contract, *, kind, title, body, signed_on=None, signing_place=""):
    """Start a draft addendum to a signed contract; it gets the contract's next number."""
    if errors := text_problems(Addendum, title=title, body=body, signing_place=signing_place):
        raise ValidationError(errors)
    with transaction.atomic():
        locked = Contract.objects.select_for_update().get(pk=contract.pk)
        if locked.status != ContractStatus.SIGNED:
            raise ValidationError(
                _("An addendum can only be added to a signed contract that is still running."),
                code="contract_not_signed",
            )
        number = (locked.addenda.aggregate(models.Max("number"))["number__max"] or 0) + 1
        addendum = Addendum(
            contract=locked,
            number=number,
            kind=kind,
            title=title,
            body=body,
            signed_on=signed_on,
            signing_place=signing_place,
        )
        addendum.full_clean()
        addendum.save()
    return addendum


def addendum_signing_problems(addendum):
    problems = []
    if addendum.contract.status != ContractStatus.SIGNED:
        problems.append(
            ValidationError(
                _("An addendum can only be signed for a signed contract that is still running."),
                code="contract_not_signed",
            )
        )
    problems += _signing_date_problems(
        addendum.signed_on, addendum.signing_place, not_before=addendum.contract.signed_on
    )
    signatories = list(addendum.signatories.select_related("partner"))
    if not signatories:
        problems.append(
            ValidationError(
                _("Add the partners that sign this addendum first."),
                code="no_signatories",
            )
        )
    problems += _signatory_problems(
        signatories, _("These parties have no signatory with a function: %(partners)s.")
    )
    if not addendum.body.strip():
        problems.append(ValidationError(_("The addendum has no text yet."), code="no_text"))
    return problems


def _locked_addendum(addendum):
    """The addendum's row (and its contract's) locked for a step, with its contract."""
    Contract.objects.select_for_update().get(pk=addendum.contract_id)
    return (
        Addendum.objects.select_for_update()
        .select_related("contract__neighbourhood")
        .get(pk=addendum.pk)
    )


def _refuse_signed(locked):
    if locked.status == AddendumStatus.SIGNED:
        raise ValidationError(
            _("This addendum has already been signed and archived; it is never rendered again."),
            code="already_archived",
        )


def mark_addendum_ready(addendum, *, user=None):
    """Make a draft addendum ready for signing: its final PDF is rendered once and stored.

    That file, with the addendum's date and place of signing and its document code on every
    page and no CONCEPT mark, is what is printed and signed, and what :func:`sign_addendum`
    archives unchanged. From here on its text, date, place and signatories are fixed. Raises
    ValidationError and changes nothing when it is not a draft or something it needs is
    missing (the same checks as the signing, but a planned date may lie ahead).
    """
    with transaction.atomic():
        locked = _locked_addendum(addendum)
        _refuse_signed(locked)
        if locked.status != AddendumStatus.DRAFT:
            raise ValidationError(
                _("This addendum is already ready for signing."), code="already_ready"
            )
        problems = [
            problem
            for problem in addendum_signing_problems(locked)
            if problem.code != "signed_in_future"
        ]
        if problems:
            raise ValidationError(problems)
        locked.status = AddendumStatus.READY_FOR_SIGNING
        documents.freeze_addendum(locked)
    addendum.refresh_from_db()
    return addendum


def addendum_back_to_draft(addendum, *, user=None):
    """Move an addendum that is ready for signing back to draft: its final PDF is discarded,
    and its text, date, place and signatories can be changed again."""
    with transaction.atomic():
        locked = _locked_addendum(addendum)
        _refuse_signed(locked)
        if locked.status != AddendumStatus.READY_FOR_SIGNING:
            raise ValidationError(
                _("Only an addendum that is ready for signing can go back to draft."),
                code="not_ready_for_signing",
            )
        locked.status = AddendumStatus.DRAFT
        documents.discard_addendum_final(locked)
    addendum.refresh_from_db()
    return addendum


def sign_addendum(addendum, *, user=None):
    """Register an addendum that is ready for signing as signed: its final PDF, the file that
    was printed and signed, is archived unchanged (no new render).

    Raises ValidationError and changes nothing when it is signed already, not ready for
    signing (a draft has no final PDF yet), its final file is missing or changed, the
    contract is not signed, or the date lies in the future. The date and place are the ones
    its final PDF prints; when the real ones differ, move it back to draft, correct them and
    make it ready again (a new final PDF), then have that one signed.
    """
    with transaction.atomic():
        locked = _locked_addendum(addendum)
        _refuse_signed(locked)
        if locked.status != AddendumStatus.READY_FOR_SIGNING or not locked.file:
            raise ValidationError(
                _(
                    "Make the addendum ready for signing first: that renders the final PDF "
                    "that is printed, signed and archived."
                ),
                code="addendum_not_ready",
            )
        problems = addendum_signing_problems(locked)
        if problems:
            raise ValidationError(problems)
        documents.check_stored(locked)
        locked.status = AddendumStatus.SIGNED
        locked.archived_at = timezone.now()
        locked.save()
    addendum.refresh_from_db()
    return addendum


# --- Press releases ---------------------------------------------------------------------------
#
# A press release is drafted from the data (wijkaanpak.press.drafting), edited by staff and then
# published: from then on it is on the programme's news page and in its feed. Its text can still
# be corrected while published (the history keeps every version), but never emptied; to take it
# off the news page, it goes back to draft.


def publish_press_release(release, *, user=None, at=None):
    """Publish a draft press release: it appears on the programme's news page and feed.

    Raises ValidationError and changes nothing when it is published already, has no title or
    text (`refuse_unpublishable`) or still holds a placeholder of its draft, such as the
    portfolio holder's quote (`placeholders_left`).
    """
    with transaction.atomic():
        locked = PressRelease.objects.select_for_update().get(pk=release.pk)
        if locked.status == PressReleaseStatus.PUBLISHED:
            raise ValidationError(
                _("This press release is already published."), code="already_published"
            )
        refuse_unpublishable(locked)
        if placeholders := placeholders_left(locked):
            raise ValidationError(
                _("The text still holds a passage to write: %(placeholder)s. Write it first."),
                code="placeholder_left",
                params={"placeholder": placeholders[0]},
            )
        locked.status = PressReleaseStatus.PUBLISHED
        locked.published_at = at or timezone.now()
        locked.published_by = user
        locked.save(update_fields=["status", "published_at", "published_by", "updated_at"])
    release.refresh_from_db()
    return release


def unpublish_press_release(release, *, user=None):
    """Take a published press release back to draft: it leaves the news page and the feed.

    Its text stays as it is; publishing it again gives it a new date of publication. Raises
    ValidationError and changes nothing when it is a draft already.
    """
    with transaction.atomic():
        locked = PressRelease.objects.select_for_update().get(pk=release.pk)
        if locked.status != PressReleaseStatus.PUBLISHED:
            raise ValidationError(_("This press release is a draft already."), code="already_draft")
        locked.status = PressReleaseStatus.DRAFT
        locked.published_at = None
        locked.published_by = None
        locked.save(update_fields=["status", "published_at", "published_by", "updated_at"])
    release.refresh_from_db()
    return release


def assign_to_programme(programme, contracts):
    """Make `contracts` the contracts of `programme`; its other contracts leave it.

    A contract's programme is not part of its signed text, so signed contracts move too. The
    contracts are locked while they change, so two staff saving different selections at once
    end with one of them, never with a mix.
    """
    chosen = {contract.pk for contract in contracts}
    with transaction.atomic():
        locked = list(
            Contract.objects.select_for_update()
            .filter(models.Q(pk__in=chosen) | models.Q(programme=programme))
            .order_by("pk")
        )
        for contract in locked:
            wanted = programme if contract.pk in chosen else None
            if contract.programme_id != (wanted.pk if wanted else None):
                contract.programme = wanted
                contract.save(update_fields=["programme", "updated_at"])

"""Distributing the signed PDF: one e-mail per party in the outbox, with a row per e-mail
that follows the delivery of its mail."""

import datetime
import hashlib
from io import StringIO

import pytest
from django.contrib import messages
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from post_office.mail import send_queued
from post_office.models import STATUS, Email

from contracts import documents, services
from contracts.choices import AddendumKind, ContractStatus, DistributionStatus
from contracts.distribution import distribute_addendum, distribute_contract
from contracts.models import Contract, Distribution
from tests import factories
from tests.factories import (
    ContractPartyFactory,
    PartnerFactory,
    UserFactory,
    complete_contract,
    contract_in_status,
    draft_addendum,
    move_to,
)

pytestmark = pytest.mark.django_db

HOSTILE = "<script>alert(1)</script> & <b>Bewoners</b>"


class FailingBackend(BaseEmailBackend):
    """A mail server that is down."""

    def send_messages(self, email_messages):
        raise ConnectionRefusedError("SMTP server unreachable")


def signed_with(*partners):
    """A signed (and archived) contract with two parties with an address plus `partners`."""
    contract = complete_contract()
    for partner in partners:
        ContractPartyFactory(contract=contract, partner=partner)
    return move_to(contract, ContractStatus.SIGNED)


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def error_codes(excinfo):
    return {error.code for error in excinfo.value.error_list}


def addresses(contract):
    return {party.partner.email for party in contract.parties.all() if party.partner.email}


# --- The service ------------------------------------------------------------------------------


def test_every_party_with_an_address_gets_the_signed_pdf(deliver_mail):
    contract = contract_in_status(ContractStatus.SIGNED)
    original = contract.signed_original
    staff = UserFactory(is_staff=True)

    result = distribute_contract(contract, user=staff)

    assert result.queued == 2
    assert result.skipped == []
    rows = Distribution.objects.filter(contract=contract)
    assert {row.delivery_status for row in rows} == {DistributionStatus.QUEUED}
    mailoutbox = deliver_mail()
    assert len(mailoutbox) == 2
    # One e-mail per party, to that party only: parties do not see each other's address.
    assert sorted(message.to[0] for message in mailoutbox) == sorted(addresses(contract))
    assert all(
        len(message.to) == 1 and not message.cc and not message.bcc for message in mailoutbox
    )
    for message in mailoutbox:
        [(filename, content, mimetype)] = message.attachments
        assert filename == documents.contract_filename(contract)
        assert mimetype == "application/pdf"
        assert sha256(content) == original.sha256
        assert content == documents.read_archived(original)
        assert contract.title in message.subject
        assert "\n" not in message.subject
        assert original.sha256 in message.body
        assert f"sha256sum {filename}" in message.body
        assert contract.get_absolute_url() in message.body
    rows = Distribution.objects.filter(contract=contract)
    assert rows.count() == 2
    for row in rows:
        assert row.delivery_status == DistributionStatus.SENT
        assert row.delivered_at is not None
        assert row.requested_by == staff
        assert row.addendum is None
        assert row.document_sha256 == original.sha256
        assert row.document_name == documents.contract_filename(contract)
        assert row.delivery_error == ""
    assert {row.email for row in rows} == addresses(contract)


def test_the_mail_is_queued_with_the_rows_and_delivered_by_the_queue(deliver_mail):
    contract = contract_in_status(ContractStatus.SIGNED)

    distribute_contract(contract)

    assert mail.outbox == []  # nothing is sent during the request
    rows = Distribution.objects.select_related("outbox_email")
    assert {row.delivery_status for row in rows} == {DistributionStatus.QUEUED}
    assert {row.outbox_email.to[0] for row in rows} == {row.email for row in rows}
    assert len(deliver_mail()) == 2
    rows = Distribution.objects.select_related("outbox_email")
    assert {row.delivery_status for row in rows} == {DistributionStatus.SENT}
    assert set(Distribution.objects.with_delivery_status().values_list("delivery", flat=True)) == {
        DistributionStatus.SENT
    }


def test_nothing_is_sent_when_the_transaction_rolls_back(deliver_mail):
    contract = contract_in_status(ContractStatus.SIGNED)

    with pytest.raises(RuntimeError), transaction.atomic():
        distribute_contract(contract)
        raise RuntimeError("something later in the same transaction failed")

    assert not Email.objects.exists()
    assert deliver_mail() == []
    assert not Distribution.objects.exists()


def test_a_party_without_an_address_is_skipped_and_reported(deliver_mail):
    silent = PartnerFactory(name="Buurtcomité zonder mail", email="")
    contract = signed_with(silent)

    result = distribute_contract(contract)

    assert result.skipped == [silent]
    assert result.queued == 2
    assert len(deliver_mail()) == 2
    assert not Distribution.objects.filter(partner=silent).exists()
    assert Distribution.objects.filter(contract=contract).count() == 2


def assert_refused_and_nothing_sent(contract, code, deliver_mail):
    """Distributing `contract` is refused with `code`: nothing recorded, no mail."""
    with pytest.raises(ValidationError) as excinfo:
        distribute_contract(contract)
    assert error_codes(excinfo) == {code}
    assert not Distribution.objects.exists()
    assert deliver_mail() == []


@pytest.mark.parametrize("status", [ContractStatus.DRAFT, ContractStatus.READY_FOR_SIGNING])
def test_an_unsigned_contract_is_refused(status, deliver_mail):
    contract = contract_in_status(status)

    assert_refused_and_nothing_sent(contract, "not_signed", deliver_mail)


def test_the_stored_status_counts_not_the_callers_instance(deliver_mail):
    contract = contract_in_status(ContractStatus.READY_FOR_SIGNING)
    contract.status = ContractStatus.SIGNED  # never saved

    with pytest.raises(ValidationError) as excinfo:
        distribute_contract(contract)

    assert error_codes(excinfo) == {"not_signed"}
    assert deliver_mail() == []


def test_a_signed_contract_without_archived_original_is_refused(deliver_mail):
    # Signed before archiving existed: the status is set without the service's archiving.
    contract = contract_in_status(ContractStatus.READY_FOR_SIGNING)
    Contract.objects.filter(pk=contract.pk).update(status=ContractStatus.SIGNED)

    assert_refused_and_nothing_sent(contract, "not_archived", deliver_mail)


def test_an_archived_file_that_no_longer_matches_its_fingerprint_is_not_sent(deliver_mail):
    contract = contract_in_status(ContractStatus.SIGNED)
    original = contract.signed_original
    with original.file.open("wb") as handle:
        handle.write(b"%PDF-1.7 tampered")

    assert_refused_and_nothing_sent(contract, "fingerprint_mismatch", deliver_mail)


def test_a_failing_mail_server_keeps_the_mail_queued_then_failed_and_requeue_sends_it(
    settings, deliver_mail
):
    contract = contract_in_status(ContractStatus.SIGNED)
    settings.POST_OFFICE = {
        **settings.POST_OFFICE,
        "BACKENDS": {"default": f"{__name__}.FailingBackend"},
        "MAX_RETRIES": 1,
    }

    result = distribute_contract(contract)  # the server is not asked: nothing can fail here
    assert result.queued == 2
    send_queued()

    # Tried once and failed: waiting for its retry, still queued, with the error shown.
    rows = list(Distribution.objects.select_related("outbox_email"))
    assert {row.delivery_status for row in rows} == {DistributionStatus.QUEUED}
    assert all("SMTP server unreachable" in row.delivery_error for row in rows)
    assert all(row.delivered_at is None for row in rows)
    Email.objects.update(scheduled_time=None)  # the retry interval has passed
    send_queued()
    rows = list(Distribution.objects.select_related("outbox_email"))
    assert {row.delivery_status for row in rows} == {DistributionStatus.FAILED}
    assert Distribution.objects.with_delivery_status().filter(delivery="failed").count() == 2

    # The server is back; staff requeue the failed mails (the outbox's admin action).
    settings.POST_OFFICE = {
        **settings.POST_OFFICE,
        "BACKENDS": {"default": "django.core.mail.backends.locmem.EmailBackend"},
    }
    Email.objects.update(status=STATUS.queued, number_of_retries=0)
    assert sorted(message.to[0] for message in deliver_mail()) == sorted(addresses(contract))
    rows = list(Distribution.objects.select_related("outbox_email"))
    assert {row.delivery_status for row in rows} == {DistributionStatus.SENT}
    assert Distribution.objects.count() == 2


def test_hostile_names_stay_plain_text_in_the_mail(deliver_mail):
    hostile = PartnerFactory(name=HOSTILE)
    contract = signed_with(hostile)

    distribute_contract(contract)

    [message] = [m for m in deliver_mail() if m.to == [hostile.email]]
    assert HOSTILE in message.body
    assert "&lt;" not in message.body
    assert "&amp;" not in message.body


# --- Addenda ----------------------------------------------------------------------------------


def signed_addendum(contract, *partners):
    addendum = draft_addendum(
        contract,
        partners,
        title="Een nieuwe partner",
        body="De partner doet mee.",
        signatory_name="B. Tekenaar",
        signatory_function="voorzitter",
    )
    return factories.sign_addendum(addendum)


def test_a_signed_addendum_goes_to_the_parties_and_its_signatories_once_each(deliver_mail):
    contract = contract_in_status(ContractStatus.SIGNED)
    party = contract.parties.select_related("partner").first().partner
    newcomer = PartnerFactory(name="Nieuwe partner")
    addendum = signed_addendum(contract, party, newcomer)

    result = distribute_addendum(addendum)

    expected = addresses(contract) | {newcomer.email}
    assert result.queued == len(expected) == 3
    mailoutbox = deliver_mail()
    assert sorted(message.to[0] for message in mailoutbox) == sorted(expected)
    for message in mailoutbox:
        [(filename, content, mimetype)] = message.attachments
        assert filename == documents.addendum_filename(addendum)
        assert mimetype == "application/pdf"
        assert sha256(content) == addendum.sha256
        assert addendum.sha256 in message.body
    rows = Distribution.objects.filter(addendum=addendum)
    assert rows.count() == 3
    assert {row.delivery_status for row in rows} == {DistributionStatus.SENT}
    assert {row.contract_id for row in rows} == {contract.pk}


def test_a_draft_addendum_is_refused(deliver_mail):
    contract = contract_in_status(ContractStatus.SIGNED)
    addendum = services.create_addendum(
        contract, kind=AddendumKind.OTHER, title="Nog niet getekend", body="Tekst."
    )

    with pytest.raises(ValidationError) as excinfo:
        distribute_addendum(addendum)

    assert error_codes(excinfo) == {"not_signed"}
    assert not Distribution.objects.exists()
    assert deliver_mail() == []


# --- The admin --------------------------------------------------------------------------------


def changelist(model):
    return reverse(f"admin:contracts_{model}_changelist")


def messages_of(response):
    return [
        (message.level, set(message.extra_tags.split()), str(message))
        for message in get_messages(response.wsgi_request)
    ]


def test_the_admin_action_sends_signed_contracts_and_reports_refusals(
    admin_client, admin_user, deliver_mail
):
    silent = PartnerFactory(name=HOSTILE, email="")
    signed = signed_with(silent)
    draft = complete_contract()

    response = admin_client.post(
        changelist("contract"),
        {"action": "distribute_signed_contracts", "_selected_action": [draft.pk, signed.pk]},
    )

    assert response.status_code == 302
    assert sorted(message.to[0] for message in deliver_mail()) == sorted(addresses(signed))
    rows = Distribution.objects.all()
    assert {row.contract_id for row in rows} == {signed.pk}
    assert {row.requested_by for row in rows} == {admin_user}
    assert {row.delivery_status for row in rows} == {DistributionStatus.SENT}
    found = {level: (tags, text) for level, tags, text in messages_of(response)}
    assert {level: tags for level, (tags, _text) in found.items()} == {
        messages.ERROR: {"not_signed"},
        messages.SUCCESS: {"distributed"},
        messages.WARNING: {"no_email"},
    }
    assert draft.title in found[messages.ERROR][1]
    assert signed.title in found[messages.SUCCESS][1]
    assert HOSTILE in found[messages.WARNING][1]


def test_the_addendum_admin_action_sends_signed_addenda_and_refuses_drafts(
    admin_client, deliver_mail
):
    contract = contract_in_status(ContractStatus.SIGNED)
    signed = signed_addendum(contract, contract.parties.select_related("partner").first().partner)
    draft = services.create_addendum(
        contract, kind=AddendumKind.OTHER, title="Nog niet getekend", body="Tekst."
    )

    response = admin_client.post(
        changelist("addendum"),
        {"action": "distribute_signed_addenda", "_selected_action": [draft.pk, signed.pk]},
    )

    assert response.status_code == 302
    assert sorted(message.to[0] for message in deliver_mail()) == sorted(addresses(contract))
    assert {row.addendum_id for row in Distribution.objects.all()} == {signed.pk}
    levels = {level: tags for level, tags, _text in messages_of(response)}
    assert levels == {messages.ERROR: {"not_signed"}, messages.SUCCESS: {"distributed"}}


def test_the_action_needs_the_change_permission(client, deliver_mail):
    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_contract"))
    client.force_login(viewer)
    contract = contract_in_status(ContractStatus.SIGNED)

    client.post(
        changelist("contract"),
        {"action": "distribute_signed_contracts", "_selected_action": [contract.pk]},
    )

    assert not Distribution.objects.exists()
    assert deliver_mail() == []


def test_the_distribution_log_is_read_only(admin_client):
    contract = contract_in_status(ContractStatus.SIGNED)
    distribute_contract(contract)
    row = Distribution.objects.first()

    listing = admin_client.get(changelist("distribution"), {"q": row.partner.name})
    detail = admin_client.get(reverse("admin:contracts_distribution_change", args=[row.pk]))
    add = admin_client.get(reverse("admin:contracts_distribution_add"))
    delete = admin_client.post(
        reverse("admin:contracts_distribution_delete", args=[row.pk]), {"post": "yes"}
    )
    filtered = admin_client.get(changelist("distribution"), {"delivery": DistributionStatus.FAILED})
    queued = admin_client.get(changelist("distribution"), {"delivery": DistributionStatus.QUEUED})

    assert listing.status_code == 200
    assert list(listing.context["cl"].result_list) == [row]
    assert detail.status_code == 200
    assert row.document_sha256 in detail.content.decode()
    assert b'name="_save"' not in detail.content
    assert add.status_code == 403
    assert delete.status_code == 403
    assert Distribution.objects.filter(pk=row.pk).exists()
    assert list(filtered.context["cl"].result_list) == []
    assert len(queued.context["cl"].result_list) == 2


def test_a_row_keeps_its_delivery_when_the_outbox_drops_old_mail(deliver_mail):
    contract = contract_in_status(ContractStatus.SIGNED)
    distribute_contract(contract)
    deliver_mail()

    Email.objects.update(created=timezone.now() - datetime.timedelta(days=400))
    call_command("cleanup_mail", days=365, delete_attachments=True, stdout=StringIO())

    assert not Email.objects.exists()
    rows = list(Distribution.objects.all())
    assert len(rows) == 2
    assert {row.delivery_status for row in rows} == {DistributionStatus.SENT}
    assert all(row.delivered_at is not None for row in rows)


def test_the_contract_page_shows_each_rows_delivery(admin_client, deliver_mail):
    contract = contract_in_status(ContractStatus.SIGNED)
    distribute_contract(contract)
    page = reverse("admin:contracts_contract_change", args=[contract.pk])

    before = admin_client.get(page)
    deliver_mail()
    after = admin_client.get(page)

    assert before.status_code == after.status_code == 200
    rows_before = before.context["signing"]["distributions"]
    rows_after = after.context["signing"]["distributions"]
    assert {row.delivery_status for row in rows_before} == {DistributionStatus.QUEUED}
    assert {row.delivery_status for row in rows_after} == {DistributionStatus.SENT}
    assert str(DistributionStatus.SENT.label) not in before.content.decode()
    assert str(DistributionStatus.SENT.label) in after.content.decode()

"""wijkaanpak.common.mail: the one call that queues a mail, as given, with its attachments."""

import pytest
from django.core.mail import EmailMessage, EmailMultiAlternatives, send_mail
from django.db import transaction
from post_office.models import STATUS, Email

from wijkaanpak.common import mail

pytestmark = pytest.mark.django_db


def test_a_queued_mail_is_delivered_as_given_with_its_attachment(deliver_mail):
    message = EmailMultiAlternatives(
        subject="Besluit {{ x }} & <b>",
        body="Tekst {% now 'Y' %}",
        to=["anna@example.org"],
        cc=["cc@example.org"],
        reply_to=["wijken@haarlem.nl"],
    )
    message.attach_alternative("<p>Tekst</p>", "text/html")
    message.attach("brief.pdf", b"%PDF-1.7 bytes\x00\xff", "application/pdf")
    [queued] = mail.queue(message)

    assert queued.status == STATUS.queued
    assert mail.delivery_state(queued) == mail.QUEUED
    [delivered] = deliver_mail()
    assert delivered.subject == "Besluit {{ x }} & <b>"
    assert delivered.body == "Tekst {% now 'Y' %}"
    assert delivered.to == ["anna@example.org"] and delivered.cc == ["cc@example.org"]
    assert delivered.extra_headers["Reply-To"] == "wijken@haarlem.nl"
    assert delivered.alternatives[0][0] == "<p>Tekst</p>"
    [(name, content, mimetype)] = delivered.attachments
    assert (name, content, mimetype) == ("brief.pdf", b"%PDF-1.7 bytes\x00\xff", "application/pdf")
    queued.refresh_from_db()
    assert mail.delivery_state(queued) == mail.SENT
    assert mail.delivered_at(queued) is not None


def test_a_rollback_leaves_no_mail(deliver_mail):
    with pytest.raises(RuntimeError), transaction.atomic():
        mail.queue(EmailMessage(subject="Weg", body="Tekst", to=["anna@example.org"]))
        raise RuntimeError("the change failed")
    assert not Email.objects.exists()
    assert deliver_mail() == []


def test_djangos_mail_api_queues_too(deliver_mail):
    assert send_mail("Onderwerp", "Tekst", None, ["anna@example.org"]) == 1
    assert Email.objects.get().status == STATUS.queued
    assert [message.to for message in deliver_mail()] == [["anna@example.org"]]


def test_the_backlog_counts_waiting_and_failed_mail():
    assert mail.backlog() == {"queued": 0, "failed": 0, "oldest_queued": None}
    first, second, third = mail.queue(
        *(EmailMessage(subject="S", body="B", to=[f"{n}@example.org"]) for n in range(3))
    )
    Email.objects.filter(pk=second.pk).update(status=STATUS.requeued)
    Email.objects.filter(pk=third.pk).update(status=STATUS.failed)
    backlog = mail.backlog()
    assert (backlog["queued"], backlog["failed"]) == (2, 1)
    assert backlog["oldest_queued"] == Email.objects.get(pk=first.pk).created
